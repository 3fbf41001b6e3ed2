"""Accounts created in bulk change their initial password at first login

Revision ID: 0015_password_change_at_first_login
Revises: 0013_api_token_expiry_scope
Create Date: 2026-12-06

`must_change_password` is set on accounts created from an office's spreadsheet, whose
initial passwords were printed; existing accounts are not asked.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_password_change_at_first_login"
down_revision = "0013_api_token_expiry_scope"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("must_change_password")
