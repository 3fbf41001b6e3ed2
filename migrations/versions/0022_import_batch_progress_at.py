"""An import job records when it last made progress

Revision ID: 0022_import_batch_progress_at
Revises: 0021_surname_initials
Create Date: 2026-12-06

`import_batch.progress_at`: set when a check or an import starts and at every chunk it
commits. A batch still `checking` or `importing` with no progress for 15 minutes lost its
worker; the scheduler fails it with a message instead of leaving its bar running.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_import_batch_progress_at"
down_revision = "0021_surname_initials"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("import_batch", sa.Column("progress_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column("import_batch", "progress_at")
