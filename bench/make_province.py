"""Generate the province data set into an empty database, for measuring by hand.

    .venv/bin/python bench/make_province.py [--persons 400000] [--seed 7] [--database-url URL]

Without --database-url the application's configured database is used (DATABASE_URL,
else the instance SQLite file). The schema is brought to the latest revision first; a
database that already holds jurisdictions is refused. The other benchmarks build their
own fresh database with the same generator (`bench/province.py`).
"""

from __future__ import annotations

import argparse
import os
import sys

import common  # noqa: F401  (puts the repository root on sys.path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=400_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from bench.province import generate
    from bench.province_tree import BENCH_PASSWORD
    from transfers import create_app
    from transfers.extensions import db
    from transfers.jurisdictions.models import Jurisdiction

    app = create_app()
    with app.app_context():
        upgrade(revision="heads")
        if db.session.scalar(select(func.count()).select_from(Jurisdiction)):
            print("database is not empty; use a fresh database", file=sys.stderr)
            return 1
        counts = generate(args.persons, seed=args.seed, progress=print)
        db.session.commit()
    print(
        "generated {households} households, {persons} persons, {cases} cases, "
        "{tasks} open tasks ({overdue_tasks} overdue) and {closed_tasks} closed, "
        "{events} events in {seconds} s".format(**counts)
    )
    print(f"bench users (password {BENCH_PASSWORD}): bench_police, bench_county_lead, ...")
    return 0


if __name__ == "__main__":
    sys.exit(main())
