"""Every migration's revision id fits Alembic's version table (VARCHAR(32)): PostgreSQL
refuses a longer one at upgrade, SQLite does not check, so this test says it on both."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def test_revision_ids_fit_the_version_table() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    revisions = list(ScriptDirectory.from_config(config).walk_revisions())
    assert revisions
    too_long = [r.revision for r in revisions if len(r.revision) > 32]
    assert too_long == []


def test_history_is_one_line() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
