"""Scheduler job runs (for /healthz and /metrics)

Revision ID: 0014_job_run
Revises: 0013_api_token_expiry_scope
Create Date: 2026-12-06

One row per scheduler job, updated after each run: when it last finished, its duration,
the escalations it recorded, and running totals.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_job_run"
down_revision = "0013_api_token_expiry_scope"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_run",
        sa.Column("job", sa.String(32), primary_key=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("escalations_total", sa.Integer(), nullable=False),
        sa.Column("runs_total", sa.Integer(), nullable=False),
        sa.Column("failures_total", sa.Integer(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
    )


def downgrade():
    op.drop_table("job_run")
