"""province-scale indexes: open tasks and open cases by area, overdue counts from the index

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27

Found with EXPLAIN (ANALYZE) on the 400,000-person data set (`bench/province.py`):
- the supervisor dashboard took open tasks "whose office lies in the area" by scanning
  every open task; `ix_task_open_path_due` makes it a range on the office path;
- "whose case lies in the area" read every case of the area, closed ones too;
  `ix_transfer_case_open_path` reads the open ones from the index alone;
- a province's overdue tasks are counted from `ix_task_open_due` alone on PostgreSQL
  (INCLUDE of the columns the dashboard groups by), not from ~70,000 heap rows.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OPEN = sa.text("closed_at IS NULL")
PATTERN = {"jurisdiction_path": "varchar_pattern_ops"}
DUE_INCLUDE = ["jurisdiction_path", "role", "procedure", "jurisdiction_id", "case_id", "id"]


def upgrade():
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_open_due", sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.create_index(
            "ix_task_open_due",
            ["due_on"],
            unique=False,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
            postgresql_include=DUE_INCLUDE,
        )
        batch_op.create_index(
            "ix_task_open_path_due",
            ["jurisdiction_path", "due_on"],
            unique=False,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
            postgresql_ops=PATTERN,
        )
    with op.batch_alter_table("transfer_case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transfer_case_open_path",
            ["jurisdiction_path", "id"],
            unique=False,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
            postgresql_ops=PATTERN,
        )


def downgrade():
    with op.batch_alter_table("transfer_case", schema=None) as batch_op:
        batch_op.drop_index("ix_transfer_case_open_path", sqlite_where=OPEN, postgresql_where=OPEN)
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_open_path_due", sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.drop_index("ix_task_open_due", sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.create_index(
            "ix_task_open_due", ["due_on"], unique=False, sqlite_where=OPEN, postgresql_where=OPEN
        )
