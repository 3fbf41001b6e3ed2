"""Peak memory of a ledger import, a deadline sweep and a case export, at two sizes.

    python bench/memory.py [--database-url URL] [--sizes 20000,80000]

Each measured step runs alone in a child process that prints its own peak RSS
(getrusage), so data set building does not count. For each size (persons):
- import: a generated ledger (.xlsx) of that many persons, checked and imported;
- export: every case of a province data set of that many persons (~3 a person), as
  .csv and as .xlsx, by the province supervisor;
- sweep: one sweep over the same data set with its escalations removed first, so every
  overdue task (~12 %) is due: the due tasks grow with the size too.
"Flat" means the peak RSS hardly moves when the rows are four times as many. A child that
only starts the application gives the baseline. SQLite unless --database-url is given.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import fresh_app, peak_rss_mb

HERE = Path(__file__).resolve().parent


def child(task: str, url: str, persons: int) -> dict:  # type: ignore[type-arg]
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            task,
            "--database-url",
            url,
            "--persons",
            str(persons),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=HERE,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _app(url: str):  # type: ignore[no-untyped-def]
    from transfers import create_app

    os.environ["DATABASE_URL"] = url
    return create_app({"RATELIMIT_ENABLED": False})


def run_child(task: str, url: str, persons: int) -> dict:  # type: ignore[type-arg]
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    result: dict = {"task": task}  # type: ignore[type-arg]
    t0 = time.perf_counter()
    if task == "baseline":
        app = _app(url)
        with app.app_context():
            from transfers.extensions import db

            db.session.execute(db.select(1))
    elif task == "setup-province":
        from sqlalchemy import delete

        from bench.province import generate
        from transfers.deadlines.models import Escalation
        from transfers.extensions import db

        app = fresh_app(url)
        with app.app_context():
            counts = generate(persons)
            db.session.execute(delete(Escalation))  # every overdue task is due for the sweep
            db.session.commit()
            result.update(cases=counts["cases"], overdue=counts["overdue_tasks"])
    elif task.startswith("export-"):
        from sqlalchemy import select

        from transfers.auth.models import User
        from transfers.exports.services import export_cases, write_export
        from transfers.extensions import db

        app = _app(url)
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == "bench_province_lead"))
            with tempfile.TemporaryFile() as out:
                write_export(export_cases(user), task.split("-")[1], out)
                result["mb"] = round(out.tell() / 1e6, 1)
    elif task == "sweep":
        from transfers.deadlines.sweep import sweep
        from transfers.extensions import db

        app = _app(url)
        with app.app_context():
            done = sweep(datetime.now(UTC))
            db.session.commit()
            result["escalations"] = sum(done.escalations.values())
    elif task == "setup-import":
        from import_ledger import make_ledger, setup_area

        app = fresh_app(url)
        with app.app_context():
            codes: list[str] = []
            setup_area(codes)
            make_ledger(
                Path(tempfile.gettempdir()) / f"memory-ledger-{persons}.xlsx",
                persons,
                codes[1:],
                codes[0],
            )
    elif task == "import":
        from import_ledger import run_import

        app = _app(url)
        with app.app_context():
            batch, _checked, _imported = run_import(
                Path(tempfile.gettempdir()) / f"memory-ledger-{persons}.xlsx"
            )
            result["persons"] = batch.created_persons
    result["seconds"] = round(time.perf_counter() - t0, 1)
    result["rss_mib"] = round(peak_rss_mb())
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--sizes", default="20000,80000", help="persons, comma-separated")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--persons", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child, args.database_url, args.persons)))
        return
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-memory-')}/m.sqlite3"
    sizes = [int(s) for s in args.sizes.split(",")]
    base: dict = {}  # type: ignore[type-arg]
    measured: dict[str, list[dict]] = {
        "import": [],
        "export-csv": [],
        "export-xlsx": [],
        "sweep": [],
    }  # type: ignore[type-arg]
    for persons in sizes:
        setup = child("setup-province", url, persons)
        base = base or child("baseline", url, 0)
        for task in ("export-csv", "export-xlsx", "sweep"):
            r = child(task, url, persons)
            r["rows"] = setup["cases"] if task.startswith("export") else r["escalations"]
            measured[task].append(r)
            print(f"  {persons} persons: {task}: {r}", flush=True)
        child("setup-import", url, persons)
        r = child("import", url, persons)
        r["rows"] = r["persons"]
        measured["import"].append(r)
        print(f"  {persons} persons: import: {r}", flush=True)
    rows = list(measured.items())
    print(f"baseline (application started, one query): peak RSS {base['rss_mib']} MiB")
    head = "".join(f"{f'{p:,} persons':>28}" for p in sizes)
    print(f"{'step':<14}{head}   growth")
    for task, results in rows:
        cells = "".join(
            f"{r['rows']:>11,} rows {r['rss_mib']:>5} MiB {r['seconds']:>4.0f} s" for r in results
        )
        growth = results[-1]["rss_mib"] - results[0]["rss_mib"]
        print(f"{task:<14}{cells}   {growth:+} MiB")


if __name__ == "__main__":
    main()
