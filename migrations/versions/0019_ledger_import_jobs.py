"""Ledger imports: background jobs, sheets, place names, reach, import grants

Revision ID: 0019_ledger_import_jobs
Revises: 0018_pending_forms
Create Date: 2026-12-06

The import batch becomes the row of its background job (checked rows, failure) and
keeps the sheet read, the place names confirmed in the preview, the names and 安置点 not
resolved, and the rows outside the importing user's reach. `import_grant` lets a
township or county office import for its whole jurisdiction.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019_ledger_import_jobs"
down_revision = "0018_pending_forms"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    with op.batch_alter_table("import_batch") as batch:
        batch.add_column(sa.Column("outside_rows", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("sheet_name", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("sheet_names", JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("header_row", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("place_choices", JSON, nullable=False, server_default="{}"))
        batch.add_column(sa.Column("place_problems", JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("new_sites", JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("checked_rows", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("job_error", sa.String(300), nullable=False, server_default=""))
        batch.create_index("ix_import_batch_status_created_at", ["status", "created_at"])
    op.create_table(
        "import_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_import_grant_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdiction.id"],
            name=op.f("fk_import_grant_jurisdiction_id_jurisdiction"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_grant")),
        sa.UniqueConstraint(
            "user_id", "jurisdiction_id", name=op.f("uq_import_grant_user_id_jurisdiction_id")
        ),
    )
    op.create_index("ix_import_grant_user_id", "import_grant", ["user_id"])


def downgrade():
    op.drop_index("ix_import_grant_user_id", table_name="import_grant")
    op.drop_table("import_grant")
    with op.batch_alter_table("import_batch") as batch:
        batch.drop_index("ix_import_batch_status_created_at")
        for column in (
            "job_error",
            "checked_rows",
            "new_sites",
            "place_problems",
            "place_choices",
            "header_row",
            "sheet_names",
            "sheet_name",
            "outside_rows",
        ):
            batch.drop_column(column)
