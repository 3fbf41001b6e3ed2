"""An import grant records the administrator who gave it

Revision ID: 0020_import_grant_granted_by
Revises: 0019_ledger_import_jobs
Create Date: 2026-12-07

`import_grant.granted_by_id`: the administrator who gave the grant on the admin page
(empty for grants given by the command line, which acts as the system).
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_import_grant_granted_by"
down_revision = "0019_ledger_import_jobs"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("import_grant") as batch:
        batch.add_column(sa.Column("granted_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_import_grant_granted_by_id_user_account"),
            "user_account",
            ["granted_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("import_grant") as batch:
        batch.drop_constraint(
            op.f("fk_import_grant_granted_by_id_user_account"), type_="foreignkey"
        )
        batch.drop_column("granted_by_id")
