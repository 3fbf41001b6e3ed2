"""API tokens expire and may be read-only

Revision ID: 0013_api_token_expiry_scope
Revises: 0012_audit_keyed_chains
Create Date: 2026-12-06

Every token gets an expiry (`expires_at`) and a scope (`read_only`), both chosen when it
is created. Tokens created before this revision keep working, read and write, for 90
days from the upgrade, so the programs using them can move to new tokens.
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0013_api_token_expiry_scope"
down_revision = "0012_audit_keyed_chains"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("read_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    token = sa.table("api_token", sa.column("expires_at", sa.DateTime(timezone=True)))
    grace = datetime.now(UTC) + timedelta(days=90)
    if op.get_bind().dialect.name == "sqlite":
        # The application stores instants on SQLite as naive UTC (transfers/db.py).
        grace = grace.replace(tzinfo=None)
    op.execute(token.update().values(expires_at=grace))
    with op.batch_alter_table("api_token") as batch:
        batch.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("read_only")
        batch.drop_column("expires_at")
