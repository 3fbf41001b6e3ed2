"""Benchmark: import a generated village ledger of N persons (default 100,000).

    .venv/bin/python bench/import_ledger.py [--persons 100000] [--csv] [--codes]
                                            [--database-url URL]

Uses a fresh temporary SQLite database unless --database-url (or DATABASE_URL) is given.
The ledger names its places as offices write them (迁出地 by full name, 迁入地 by the
village's short name) unless --codes. Prints the seconds of the check (the preview) and
of the import, and the peak resident memory of the process. Target (issue 7): 100,000
persons in under 60 s; bench/import_350k.py runs it at 350,000 (issue 18).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国秀英小明红军伟芳娜敏静丽强磊洋艳勇军杰娟涛超霞平刚桂兰"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_ledger(
    path: Path, persons: int, villages: list[str], origin: str, *, codes: bool = False
) -> None:
    from openpyxl import Workbook

    from tests.conftest import make_id
    from transfers.imports.ledger import COLUMNS

    rng = random.Random(7)
    headers = [c.header for c in COLUMNS]
    index = {c.key: i for i, c in enumerate(COLUMNS)}

    def rows():  # a generator: the benchmark's own memory stays flat too
        n, household, seq = 0, 0, 0
        while n < persons:
            household += 1
            size = min(rng.randint(1, 6), persons - n)
            dest = villages[household % len(villages)]
            for m in range(size):
                seq += 1
                birth = date(1940, 1, 1) + timedelta(days=(seq * 37) % 25000)
                row: list[str | None] = [None] * len(headers)  # empty cells left out, as Excel does
                row[index["household_no"]] = str(household)
                row[index["name"]] = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
                # birth date and sequence together keep every number unique
                row[index["id_number"]] = make_id("411221", birth, seq % 499, "M" if m % 2 else "F")
                row[index["relation"]] = "户主" if m == 0 else ("配偶" if m == 1 else "子")
                row[index["origin_code"]] = origin if codes else "河南省渑池县城关镇村1"
                row[index["destination_code"]] = dest if codes else f"村{int(dest[-3:]) - 200}"
                row[index["settlement_mode"]] = "分散安置"
                row[index["collective_member"]] = "是"
                yield row
            n += size

    if path.suffix == ".csv":
        import csv

        with open(path, "w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            w.writerow(headers)
            w.writerows(rows())
        return
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("搬迁户台账")
    ws.append(headers)
    for row in rows():
        ws.append(row)
    wb.save(path)


def setup_area(codes_out: list[str]) -> None:
    """A county, a township and 40 villages; their codes go to `codes_out`."""
    from transfers.extensions import db
    from transfers.jurisdictions.models import Jurisdiction
    from workflows.roles import Level

    province = Jurisdiction(code="41", name="河南省", level=str(Level.PROVINCE), path="41/")
    county = Jurisdiction(
        code="411221", name="渑池县", level=str(Level.COUNTY), parent=province, path="41/411221/"
    )
    town = Jurisdiction(
        code="411221100",
        name="城关镇",
        level=str(Level.TOWNSHIP),
        parent=county,
        path="41/411221/411221100/",
    )
    db.session.add_all([province, county, town])
    for i in range(1, 41):
        code = f"411221100{200 + i}"
        db.session.add(
            Jurisdiction(
                code=code,
                name=f"村{i}",
                level=str(Level.VILLAGE),
                parent=town,
                path=f"{town.path}{code}/",
            )
        )
        codes_out.append(code)
    db.session.commit()


def run_import(ledger: Path) -> tuple[Any, tuple[float, float], tuple[float, float]]:
    """Check (stage) and import the ledger, committing per step: the batch, then the
    seconds of the check and of the import, each as (elapsed, CPU of this process)."""
    from transfers.db import utcnow
    from transfers.extensions import db
    from transfers.imports.checking import stage_ledger
    from transfers.imports.writing import import_step

    t0, c0 = time.perf_counter(), time.process_time()
    batch = stage_ledger(ledger, ledger.name, actor=None, now=utcnow())
    db.session.commit()
    t1, c1 = time.perf_counter(), time.process_time()
    while not import_step(batch, now=utcnow()):
        db.session.commit()
    db.session.commit()
    t2, c2 = time.perf_counter(), time.process_time()
    return batch, (t1 - t0, c1 - c0), (t2 - t1, c2 - c1)


def main(argv: list[str] | None = None, persons: int = 100_000) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=persons)
    parser.add_argument("--csv", action="store_true", help="benchmark a .csv ledger instead")
    parser.add_argument("--codes", action="store_true", help="places as codes, not names")
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--ledger", type=Path, default=None, help="a ledger generated before (same villages)"
    )
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")

    from tests.conftest import _reset_schema
    from transfers import create_app
    from transfers.extensions import db

    app = create_app({"SECRET_KEY": "bench"})
    _reset_schema(app)
    with app.app_context():
        codes: list[str] = []
        setup_area(codes)
        ledger = args.ledger or tmp / ("ledger.csv" if args.csv else "ledger.xlsx")
        t0 = time.perf_counter()
        if args.ledger is None:
            make_ledger(ledger, args.persons, codes[1:], codes[0], codes=args.codes)
        generated = time.perf_counter() - t0
        print(
            f"generated {args.persons} persons in {ledger.name} "
            f"({ledger.stat().st_size / 1e6:.1f} MB) in {generated:.1f} s"
        )
        rss_before = peak_rss_mib()
        batch, checked, imported = run_import(ledger)
        total = checked[0] + imported[0]
        print(f"database: {db.engine.dialect.name}")
        print(
            f"rows {batch.total_rows}, invalid {batch.invalid_rows}, "
            f"created {batch.created_households} households / {batch.created_persons} persons"
        )
        # The CPU seconds of this process (not of a database server) tell on a shared
        # machine what the elapsed seconds cannot.
        print(f"check (preview): {checked[0]:.1f} s  (CPU {checked[1]:.1f} s)")
        print(f"import:          {imported[0]:.1f} s  (CPU {imported[1]:.1f} s)")
        print(f"total:           {total:.1f} s  ({args.persons / total:,.0f} persons/s)")
        print(
            f"peak RSS: {peak_rss_mib():.0f} MiB (after generating the file: {rss_before:.0f} MiB)"
        )
        db.engine.dispose()


if __name__ == "__main__":
    main()
