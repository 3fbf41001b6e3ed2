"""keyed audit chains: stored access log head, switch-over points, signed checkpoints

Revision ID: 0012_audit_keyed_chains
Revises: 0011_household_events
Create Date: 2026-12-06

From this revision on, event and access log hashes are HMAC-SHA256 under AUDIT_KEY, a
key this migration cannot know. Rows already written keep their plain SHA-256 links;
`audit_state.legacy_through` records, per chain, the last id that may carry one (every
later row must be keyed). The access log's head moves into `audit_state`, like a case's
`last_event_hash`. Run `flask audit checkpoint` once after upgrading: the signed
checkpoint seals the heads of chains that still end in plain rows.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_audit_keyed_chains"
down_revision = "0011_household_events"
branch_labels = None
depends_on = None


def upgrade():
    state = op.create_table(
        "audit_state",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("legacy_through", sa.Integer(), nullable=False),
    )
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(64), nullable=False),
    )
    conn = op.get_bind()
    last_event = conn.execute(sa.text("SELECT max(id) FROM event")).scalar() or 0
    last_access = conn.execute(
        sa.text("SELECT id, hash FROM access_log ORDER BY id DESC LIMIT 1")
    ).first()
    op.bulk_insert(
        state,
        [
            {"name": "event", "head": "", "legacy_through": last_event},
            {
                "name": "access_log",
                "head": last_access.hash if last_access else "",
                "legacy_through": last_access.id if last_access else 0,
            },
        ],
    )


def downgrade():
    op.drop_table("audit_checkpoint")
    op.drop_table("audit_state")
