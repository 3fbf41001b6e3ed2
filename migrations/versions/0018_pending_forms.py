"""pending forms: a submission kept when its page expired

Revision ID: 0018_pending_forms
Revises: 0017_returns_and_office_phones
Create Date: 2026-12-06

`pending_form` keeps, for two hours at most, what a browser posted when the form could
not be processed (the session had ended, the CSRF token no longer matched, the case had
changed): the page shows it again, once, to the person who typed it. Passwords, CSRF
tokens and files are never kept.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018_pending_forms"
down_revision = "0017_returns_and_office_phones"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.create_table(
        "pending_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("page", sa.String(length=500), nullable=False),
        sa.Column("action", sa.String(length=500), nullable=False),
        sa.Column("fields", JSON, nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_pending_form_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_form")),
        sa.UniqueConstraint("key", name=op.f("uq_pending_form_key")),
    )
    with op.batch_alter_table("pending_form", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_form_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_pending_form_created_at"), ["created_at"], unique=False
        )


def downgrade():
    op.drop_table("pending_form")
