"""A returned step says why; an office has a phone

Revision ID: 0017_returns_and_office_phones
Revises: 0015_password_change_at_first_login
Create Date: 2026-12-06

`task.return_reason`: set on the task a 退回 opens, with the reason given, so the queue
row, the case page and the resident lookup show that the step came back and why.
`jurisdiction.phone`: the office's telephone, printed on the receipt (受理回执).
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_returns_and_office_phones"
down_revision = "0015_password_change_at_first_login"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("return_reason", sa.String(length=500), nullable=True))
    with op.batch_alter_table("jurisdiction") as batch:
        batch.add_column(
            sa.Column("phone", sa.String(length=32), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("jurisdiction") as batch:
        batch.drop_column("phone")
    with op.batch_alter_table("task") as batch:
        batch.drop_column("return_reason")
