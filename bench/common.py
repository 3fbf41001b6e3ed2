"""Shared set-up for the benchmarks: an app on a fresh database, migrated."""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def fresh_app(url: str | None = None):  # type: ignore[no-untyped-def]
    """An app on `url` (default: a new SQLite file), schema dropped and migrated."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from transfers import create_app
    from transfers.extensions import db

    if url is None:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='transfers-bench-')}/bench.sqlite3"
    os.environ["DATABASE_URL"] = url
    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            else:
                db.metadata.drop_all(conn)
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        import logging

        logging.getLogger("alembic").setLevel(logging.WARNING)
        upgrade(revision="heads")
    return app


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timed(label: str, results: dict):  # type: ignore[type-arg]
    t0 = time.perf_counter()
    yield
    results[label] = time.perf_counter() - t0
