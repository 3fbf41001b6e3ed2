"""Accounts created in bulk change their initial password at first login

Revision ID: 0015_first_login_password
Revises: 0014_job_run
Create Date: 2026-12-06

`must_change_password` is set on accounts created from an office's spreadsheet, whose
initial passwords were printed; existing accounts are not asked.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_first_login_password"
down_revision = "0014_job_run"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (SQLite allows it with a default): a batch copy would drop and
    # recreate user_account, which the rows of other tables refer to.
    op.add_column(
        "user_account",
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade():
    op.drop_column("user_account", "must_change_password")
