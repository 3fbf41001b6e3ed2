"""Deadline sweep time: 1,000 due tasks among many open and closed tasks, at two sizes.

    python bench/sweep.py [--database-url URL] [--sizes 100000,400000] [--due 1000] [--reuse]

For each size (persons of `bench/province.py`; ~3.3 tasks a person, open and closed) a
fresh database gets the province data set with every open task due in 60 days, then
`--due` open tasks spread over the province are made due: a third for a reminder
(due tomorrow), a third for 催办 (due yesterday), a third for 催办 and 督办 (due 10 days
ago). One `sweep(now)` is timed with its commit, then a second sweep that finds nothing.
"CPU s" adds this process's CPU time
and, for a local PostgreSQL, the server backend's: about what the sweep takes on an idle
machine, where a shared one stretches the wall time.
Sweep time should follow the due tasks, not the total (target: ≤ 1 s for 1,000 due).
SQLite unless --database-url is given.

With --reuse the prepared data set of each size is kept (PostgreSQL: a template database
`sweep_bench_<persons>_<due>_<schema>` next to the given one; SQLite: a file in the temp
directory) and every run sweeps a fresh copy of it, so repeated runs skip the set-up.
<schema> stands for the migration files: a new migration (a fillfactor, an index) gets
a data set made with it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta

from common import ROOT, fresh_app
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url

TARGET_S = 1.0


def prepare(persons: int, due: int, url: str | None, now: datetime):  # type: ignore[no-untyped-def]
    """A fresh database with `due` due tasks among all the others; returns (app, counts)."""
    app = fresh_app(url)
    from bench.province import generate
    from transfers.extensions import db
    from transfers.tasks.models import Task
    from workflows.calendar import local_date

    today = local_date(now)
    with app.app_context():
        t0 = time.perf_counter()
        counts = generate(persons, now=now, overdue_share=0.0)
        db.session.execute(
            update(Task).where(Task.closed_at.is_(None)).values(due_on=today + timedelta(days=60))
        )
        open_ids = db.session.scalars(
            select(Task.id).where(Task.closed_at.is_(None)).order_by(Task.id)
        ).all()
        step = max(1, len(open_ids) // due)
        chosen = open_ids[::step][:due]
        thirds = [chosen[0::3], chosen[1::3], chosen[2::3]]
        for ids, due_on in zip(thirds, (1, -1, -10), strict=True):
            db.session.execute(
                update(Task).where(Task.id.in_(ids)).values(due_on=today + timedelta(days=due_on))
            )
        db.session.commit()
        counts["all_tasks"] = db.session.scalar(select(func.count()).select_from(Task))
        counts["setup_s"] = time.perf_counter() - t0
        with db.engine.connect() as conn:
            if db.engine.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.exec_driver_sql("VACUUM ANALYZE")
            else:
                conn.exec_driver_sql("ANALYZE")
    return app, counts


def _schema_tag() -> str:
    """A short digest of the migration files: kept data sets are per schema."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:8]


def _pg_admin(url: str):  # type: ignore[no-untyped-def]
    return create_engine(url, isolation_level="AUTOCOMMIT")


def reused(persons: int, due: int, url: str | None, now: datetime):  # type: ignore[no-untyped-def]
    """A fresh copy of a kept prepared data set (made on first use); returns (app, counts)."""
    from transfers import create_app

    name = f"sweep_bench_{persons}_{due}_{_schema_tag()}"
    if url is None:
        kept = os.path.join(tempfile.gettempdir(), f"transfers-{name}.sqlite3")
        work = os.path.join(tempfile.mkdtemp(prefix="transfers-bench-"), "bench.sqlite3")
        if not os.path.exists(kept):
            app, counts = prepare(persons, due, f"sqlite:///{work}", now)
            with app.app_context():
                from transfers.extensions import db

                db.engine.dispose()
            shutil.copyfile(work, kept)
        shutil.copyfile(kept, work)
        run_url = f"sqlite:///{work}"
    else:
        base = make_url(url)
        admin = _pg_admin(url)
        with admin.connect() as conn:
            have = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not have:
                conn.exec_driver_sql(f"CREATE DATABASE {name}_tmp")
        if not have:
            tmp_url = base.set(database=f"{name}_tmp").render_as_string(hide_password=False)
            app, counts = prepare(persons, due, tmp_url, now)
            with app.app_context():
                from transfers.extensions import db

                db.engine.dispose()
            with admin.connect() as conn:
                conn.exec_driver_sql(f"ALTER DATABASE {name}_tmp RENAME TO {name}")
        with admin.connect() as conn:
            conn.exec_driver_sql("DROP DATABASE IF EXISTS sweep_bench_run")
            conn.exec_driver_sql(f"CREATE DATABASE sweep_bench_run TEMPLATE {name}")
        admin.dispose()
        run_url = base.set(database="sweep_bench_run").render_as_string(hide_password=False)
    os.environ["DATABASE_URL"] = run_url
    app = create_app({"RATELIMIT_ENABLED": False})
    from bench.province import generate  # noqa: F401  (same imports as prepare)
    from transfers.extensions import db
    from transfers.tasks.models import Task

    with app.app_context():
        all_tasks = db.session.scalar(select(func.count()).select_from(Task))
        open_tasks = db.session.scalar(
            select(func.count()).select_from(Task).where(Task.closed_at.is_(None))
        )
        db.session.rollback()
    return app, {"all_tasks": all_tasks, "tasks": open_tasks, "setup_s": 0.0}


def _server_cpu(pid: int | None) -> float:
    """CPU seconds of a local PostgreSQL backend so far (0 if not readable here)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_sweep(app, now: datetime):  # type: ignore[no-untyped-def]
    """(wall seconds, result, CPU seconds of this process and of the PostgreSQL backend
    if local: what the sweep would take on an idle machine, less sensitive to load)."""
    from transfers.deadlines.sweep import sweep
    from transfers.extensions import db

    with app.app_context():
        pid = None
        if db.engine.dialect.name == "postgresql":
            # The sweep's connection (it commits between batches; the backend is the same
            # as long as the pool hands the session the same connection, as it does here).
            pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        s0, c0, t0 = _server_cpu(pid), time.process_time(), time.perf_counter()
        result = sweep(now)
        db.session.commit()
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - c0 + _server_cpu(pid) - s0
        return seconds, result, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--sizes", default="100000,400000", help="persons, comma-separated")
    ap.add_argument("--due", type=int, default=1000)
    ap.add_argument("--reuse", action="store_true", help="keep and reuse the prepared data")
    args = ap.parse_args()
    # 10:00 on a Wednesday in China: tomorrow and yesterday are working days.
    now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    rows = []
    for persons in [int(s) for s in args.sizes.split(",")]:
        if args.reuse:
            app, counts = reused(persons, args.due, args.database_url, now)
        else:
            app, counts = prepare(persons, args.due, args.database_url, now)
        seconds, result, cpu = timed_sweep(app, now)
        idle, _, _ = timed_sweep(app, now + timedelta(minutes=1))
        with app.app_context():
            from transfers.extensions import db

            dialect = db.engine.dialect.name
            db.engine.dispose()
        rows.append((dialect, counts, seconds, cpu, result, idle))
        print(
            f"  {dialect}: {counts['all_tasks']:,} tasks ({counts['tasks']:,} open) set up in "
            f"{counts['setup_s']:.0f} s; sweep {seconds:.2f} s: {result.summary()}",
            flush=True,
        )
    print(
        f"{'db':<11}{'tasks':>11}{'open':>10}{'due':>6}{'escalations':>13}"
        f"{'sweep s':>9}{'CPU s':>7}{'idle s':>8}  target ≤ {TARGET_S:.0f} s"
    )
    for dialect, counts, seconds, cpu, result, idle in rows:
        met = "met" if seconds <= TARGET_S else "NOT MET"
        print(
            f"{dialect:<11}{counts['all_tasks']:>11,}{counts['tasks']:>10,}{args.due:>6}"
            f"{sum(result.escalations.values()):>13,}{seconds:>9.2f}{cpu:>7.2f}{idle:>8.3f}  {met}"
        )


if __name__ == "__main__":
    main()
