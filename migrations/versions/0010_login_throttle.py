"""login throttle: failed logins counted per user name in the database

Revision ID: 0010_login_throttle
Revises: 0009_sweep_fillfactor
Create Date: 2026-12-06

Attempts are counted in SQL, atomically, for known and unknown names alike, so parallel
requests and several server processes all count. The per-user counters move there.
"""

import sqlalchemy as sa
from alembic import op


revision = "0010_login_throttle"
down_revision = "0009_sweep_fillfactor"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_throttle",
        sa.Column("username", sa.String(40), primary_key=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    )
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("failed_logins")
        batch.drop_column("locked_until")


def downgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.drop_table("login_throttle")
