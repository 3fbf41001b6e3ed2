"""A returned step says why; an office has a phone

Revision ID: 0017_returns_and_office_phones
Revises: 0015_first_login_password
Create Date: 2026-12-06

`task.return_reason`: set on the task a 退回 opens, with the reason given, so the queue
row, the case page and the resident lookup show that the step came back and why.
`jurisdiction.phone`: the office's telephone, printed on the receipt (受理回执).
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_returns_and_office_phones"
down_revision = "0015_first_login_password"
branch_labels = None
depends_on = None


def upgrade():
    # Columns added and dropped in place (no batch copy: jurisdiction is referenced by
    # most tables, and SQLite cannot drop a referenced table).
    op.add_column("task", sa.Column("return_reason", sa.String(length=500), nullable=True))
    op.add_column(
        "jurisdiction", sa.Column("phone", sa.String(length=32), nullable=False, server_default="")
    )


def downgrade():
    op.drop_column("jurisdiction", "phone")
    op.drop_column("task", "return_reason")
