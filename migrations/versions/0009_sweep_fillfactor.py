"""sweep fillfactor: room on each transfer_case page for HOT updates (PostgreSQL only)

Revision ID: 0009_sweep_fillfactor
Revises: 0008
Create Date: 2026-11-27

Every event moves its case's chain head (`version`, `last_event_hash`): an UPDATE that
changes no indexed column. PostgreSQL can then write the new row version on the same
page without touching the table's seven indexes (a HOT update), but only if the page has
room; packed to 100 %, almost none does, and each update inserts into every index. The
deadline sweep updates ~1,000 cases at once (docs/SCALE.md, "Deadline sweep"); engine
steps update one case each.

The setting applies to pages written from now on. An existing database gets it on its
next table rewrite (VACUUM FULL or pg_repack, at a quiet hour); not here, because a
rewrite locks the table. SQLite has no such setting: nothing to do there.
"""

from alembic import op

revision = "0009_sweep_fillfactor"
down_revision = "0008"
branch_labels = None
depends_on = None

FILLFACTOR = 85


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE transfer_case SET (fillfactor = {FILLFACTOR})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE transfer_case RESET (fillfactor)")
