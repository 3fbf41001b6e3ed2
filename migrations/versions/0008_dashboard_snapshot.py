"""dashboard snapshots: a province's and its cities' overdue dashboard, refreshed each minute

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27

Counting a province's ~600,000 open cases and ~70,000 overdue tasks (and twelve weeks of
opened/closed cases) live takes longer than the 200 ms a page may have; the scheduler
keeps the unfiltered dashboard of province and city nodes in this table.

`ix_task_path_due`: the charts' weekly "became overdue" count of a county reads the tasks
of its offices (closed ones too) as an index range instead of every task.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dashboard_snapshot",
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdiction.id"]),
        sa.PrimaryKeyConstraint("jurisdiction_id"),
    )
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index(
            "ix_task_path_due",
            ["jurisdiction_path", "due_on"],
            unique=False,
            postgresql_ops={"jurisdiction_path": "varchar_pattern_ops"},
        )


def downgrade():
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_path_due")
    op.drop_table("dashboard_snapshot")
