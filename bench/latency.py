"""Page latency on a province-scale data set, through the real app (p50/p95).

    python bench/latency.py --persons 400000 [--database-url URL] [--requests 200]

Generates the data set (`bench/make_province.py`) into a fresh database unless --reuse is
given, then requests each page ≥ 200 times as the right user with Flask's test client
(the whole app: routing, login, permission, SQL, templates) and prints p50/p95.
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import fresh_app, peak_rss_mb
from sqlalchemy import event, func, select

TARGETS_MS = {
    "approver queue": 50,
    "overdue dashboard (county)": 200,
    "overdue dashboard (province)": 200,
    "resident lookup": 30,
    "case page": 50,
}


def percentile(values: list[float], pct: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(pct / 100 * (len(values) - 1))))
    return values[k]


def login(client, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    resp = client.post(
        "/login", data={"csrf_token": token, "username": username, "password": password}
    )
    assert resp.status_code == 302, resp.status_code


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=400_000)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="use the existing data in --database-url (migrated to the latest revision)",
    )
    ap.add_argument("--only", default="", help="measure only the pages whose name contains this")
    args = ap.parse_args()

    if args.reuse:
        import os

        from flask_migrate import upgrade

        from transfers import create_app

        os.environ["DATABASE_URL"] = args.database_url
        app = create_app({"RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade(revision="heads")
    else:
        app = fresh_app(args.database_url)
        from bench.province import generate
        from transfers.extensions import db

        with app.app_context():
            t0 = time.perf_counter()
            counts = generate(args.persons, progress=lambda m: print("  ", m, flush=True))
            db.session.commit()
            print(
                f"data set: {counts['persons']} persons, {counts['cases']} cases, "
                f"{counts['tasks']} open tasks ({counts['overdue_tasks']} overdue) and "
                f"{counts['closed_tasks']} closed, {counts['events']} events, "
                f"{counts['escalations']} escalations "
                f"generated in {time.perf_counter() - t0:.0f} s"
            )
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect() as conn:
                    conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                        "VACUUM ANALYZE"
                    )
            else:
                with db.engine.connect() as conn:
                    conn.exec_driver_sql("ANALYZE")

    from bench.province_tree import BENCH_PASSWORD
    from transfers.cases.models import Case, Intake
    from transfers.extensions import db
    from transfers.households.models import Person

    with app.app_context():
        first_county_path = db.session.scalar(select(func.min(Case.jurisdiction_path))).split("/")
        prefix = "/".join(first_county_path[:4]) + "/"
        case_ids = db.session.scalars(
            select(Case.id).where(Case.jurisdiction_path.startswith(prefix)).limit(args.requests)
        ).all()
        receipts = db.session.execute(
            select(Intake.receipt_no, func.min(Person.id_number))
            .join(Person, Person.household_id == Intake.household_id)
            .group_by(Intake.receipt_no)
            .limit(args.requests)
        ).all()
        dashboard = "/tasks/overdue"
        if "supervision.dashboard" in app.view_functions:
            dashboard = "/supervision/"

    # The scheduler's minute job: province and city dashboards as snapshots.
    from transfers.scheduler import run_snapshots

    t0 = time.perf_counter()
    n = run_snapshots(app)
    print(
        f"dashboard snapshots of {n} province/city nodes refreshed in "
        f"{time.perf_counter() - t0:.2f} s"
    )

    pages = [
        ("approver queue", "bench_police", lambda i: "/tasks/"),
        ("overdue dashboard (county)", "bench_county_lead", lambda i: dashboard),
        ("overdue dashboard (province)", "bench_province_lead", lambda i: dashboard),
        ("case page", "bench_staff", lambda i: f"/cases/{case_ids[i % len(case_ids)]}"),
    ]
    queries = {"n": 0}

    def count(*_a):  # type: ignore[no-untyped-def]
        queries["n"] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    with app.app_context():
        print(f"database: {db.engine.dialect.name}; {args.requests} requests per page")
    print(f"{'page':<30}{'p50 ms':>8}{'p95 ms':>8}{'target p95':>12}  {'met':<8}{'queries':>8}")
    for name, user, url in pages:
        if args.only not in name:
            continue
        client = app.test_client()
        login(client, user, BENCH_PASSWORD)
        client.get(url(0))  # warm up
        times = []
        queries["n"] = 0
        for i in range(args.requests):
            t = time.perf_counter()
            resp = client.get(url(i))
            times.append((time.perf_counter() - t) * 1000)
            assert resp.status_code == 200, (name, resp.status_code)
        _report(name, times, queries["n"] / args.requests)

    if args.only not in "resident lookup":
        print(f"peak RSS {peak_rss_mb():.0f} MB")
        return
    client = app.test_client()
    import re

    times = []
    queries["n"] = 0
    for i in range(args.requests):
        receipt, id_number = receipts[i % len(receipts)]
        page = client.get("/query/").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        t = time.perf_counter()
        resp = client.post(
            "/query/", data={"csrf_token": token, "receipt_no": receipt, "id_tail": id_number[-4:]}
        )
        times.append((time.perf_counter() - t) * 1000)
        assert resp.status_code == 200 and "办理进度" in resp.get_data(as_text=True)
    _report("resident lookup", times, queries["n"] / args.requests / 2)
    print(f"peak RSS {peak_rss_mb():.0f} MB")


def _report(name: str, times: list[float], queries: float) -> None:
    p50, p95 = statistics.median(times), percentile(times, 95)
    met = "met" if p95 <= TARGETS_MS[name] else "NOT MET"
    target = f"≤ {TARGETS_MS[name]} ms"
    print(f"{name:<30}{p50:>8.1f}{p95:>8.1f}{target:>12}  {met:<8}{queries:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
