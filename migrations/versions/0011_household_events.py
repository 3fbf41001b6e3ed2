"""household events and multi-person access log entries

Revision ID: 0011_household_events
Revises: 0010_login_throttle
Create Date: 2026-12-06

`household_event` records each household's registration (who, when, through which
door: form, API, ledger import). An access log entry may now list several persons
(`person_ids`): a full-ID export is one deliberate view of many people; `person_id`
stays for a single view and is empty for such a list.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_household_events"
down_revision = "0010_login_throttle"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.create_table(
        "household_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_household_event_actor_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_household_event_household_id_household"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_event")),
    )
    with op.batch_alter_table("household_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_household_event_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_household_event_household_id"), ["household_id"], unique=False
        )
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_ids", JSON, nullable=False, server_default="[]"))
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=True)


def downgrade():
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("person_ids")
    with op.batch_alter_table("household_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_event_household_id"))
        batch_op.drop_index(batch_op.f("ix_household_event_actor_id"))
    op.drop_table("household_event")
