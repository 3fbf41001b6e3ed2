"""Engine steps per second: this project's engine vs SpiffWorkflow vs a raw-SQL ceiling.

The same 4-step workflow (the hukou procedure: submit → return → submit → approve) on
the same database with the same connection settings, one transaction per step. Run:
`make bench` or `python bench/engine_steps.py [--cases N] [--rounds R]
[--database-url URL] [--workers 8]`.

The contestants take turns for R rounds and each one's best round counts (the machine
may be shared); the client CPU per step is printed beside the rate. `--workers N` runs N
forked processes, each on its own cases. The engine must stay ahead of SpiffWorkflow.

SpiffWorkflow runs twice: deployed as the engine is (its statements through the
application's SQLAlchemy engine: a pooled connection, pinged at checkout, one transaction
per step), which the verdict compares with; and on one DB-API connection held for the
whole run (no pool, no ping), printed for reference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from common import fresh_app

STEPS = [
    ("submit", "staff", {"option": "site_address", "building": "3", "unit": "2", "door": "501"}),
    ("return", "police", {"reason": "材料不全，请补正"}),
    ("submit", "staff", {"option": "site_address", "building": "3", "unit": "2", "door": "502"}),
    (
        "approve",
        "police",
        {"new_address": "幸福路88号3栋2单元502号", "registered_on": "2026-11-20"},
    ),
]
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def seed(app, n: int, groups: int = 3) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """groups × n households of one person each, each with an open hukou case."""
    import random

    from transfers.auth.services import create_user
    from transfers.cases.services import open_intake
    from transfers.demo_county import SITES, IdFactory, create_jurisdictions
    from transfers.extensions import db
    from transfers.households.services import MemberInput, register_household
    from transfers.jurisdictions.models import Site
    from workflows.roles import Role

    with app.app_context():
        js = create_jurisdictions()
        name, kind, code, address = SITES[0]
        site = Site(name=name, kind=kind, jurisdiction=js[code], address=address)
        db.session.add(site)
        staff = create_user("bench_staff", "staff", "x" * 8, [(Role.VILLAGE_STAFF, js[code])])
        police = create_user(
            "bench_police", "police", "x" * 8, [(Role.POLICE_STATION, js["411221100"])]
        )
        ids, rng = IdFactory(), random.Random(1)
        case_ids = []
        for i in range(groups * n):
            hh = register_household(
                origin=js["411221205201"],
                destination=js[code],
                site=site,
                settlement_mode="centralized",
                members=[
                    MemberInput(
                        "王建国",
                        ids.make(rng, "411221", date(1970, 1, 1) + timedelta(days=i % 9000), "M"),
                        "户主",
                    )
                ],
                actor=staff,
                now=NOW,
            )
            intake = open_intake(
                household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW
            )
            case_ids.append(intake.cases[0].id)
            if i % 500 == 499:
                db.session.commit()
        db.session.commit()
        return {"staff": staff.id, "police": police.id, "cases": case_ids}


def run_engine(app, case_ids: list[int], users: dict, ready=lambda: None) -> int:  # type: ignore[no-untyped-def, type-arg]
    """One engine step per transaction: `act()` in the ORM session, committed by the
    caller, as a web request does. Like a signed-in clerk (the login session loads the
    user before the engine is called), each actor is loaded once with its grants; like a
    form, each step sends the case version the previous step returned."""
    from sqlalchemy import select

    from transfers.auth.models import User
    from transfers.cases.models import Case
    from transfers.engine import act
    from transfers.extensions import db

    steps = 0
    with app.app_context():
        actors = {}
        for who, uid in users.items():
            actors[who] = db.session.get(User, uid)
            assert actors[who].roles  # loaded with its grants
            db.session.expunge(actors[who])  # keep it, with its grants, across commits
        rows = db.session.execute(select(Case.id, Case.version).where(Case.id.in_(case_ids)))
        versions = {cid: version for cid, version in rows}
        db.session.commit()
        ready()
        for action, who, data in STEPS:
            for cid in case_ids:
                case = act(
                    case_id=cid,
                    action=action,
                    actor=actors[who],
                    seen_version=versions[cid],
                    data=data,
                    now=NOW,
                )
                versions[cid] = case.version
                db.session.commit()
                steps += 1
        db.session.remove()
    return steps


# --- raw SQL ceiling ----------------------------------------------------------------------
def _connect(url: str):  # type: ignore[no-untyped-def]
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split("///", 1)[1], timeout=30)
        # The application's settings (transfers/__init__.py), so all contestants pay the same.
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn, "?"
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg", "postgresql")), "%s"


RAW_NEXT = {  # state after each step, the next task's role and jurisdiction
    0: ("police_review", "police_station", "411221100"),
    1: ("application", "village_staff", "411221100201"),
    2: ("police_review", "police_station", "411221100"),
    3: ("completed", None, None),
}


def run_raw(url: str, case_ids: list[int], users: dict, jpaths: dict, ready=lambda: None) -> int:  # type: ignore[no-untyped-def, type-arg]
    conn, p = _connect(url)
    cur = conn.cursor()
    ready()
    steps = 0
    due = (date(2026, 12, 7)).isoformat()
    for i, (step, who, data) in enumerate(STEPS):
        dest, role, jcode = RAW_NEXT[i]
        for cid in case_ids:
            now = NOW.isoformat()
            cur.execute(
                f"SELECT state, version, last_event_hash FROM transfer_case WHERE id = {p}", (cid,)
            )
            state, version, prev = cur.fetchone()
            cur.execute(f"SELECT id FROM task WHERE case_id = {p} AND closed_at IS NULL", (cid,))
            (task_id,) = cur.fetchone()
            payload = json.dumps({"case": cid, "action": step, "data": data}, ensure_ascii=False)
            digest = hashlib.sha256((prev + payload).encode()).hexdigest()
            closed = now if dest == "completed" else None
            cur.execute(
                f"UPDATE task SET closed_at = {p}, closed_by_id = {p}, close_action = {p} "
                f"WHERE id = {p}",
                (now, users[who], step, task_id),
            )
            cur.execute(
                f"UPDATE transfer_case SET state = {p}, version = version + 1, "
                f"last_event_hash = {p}, outcome = {p}, closed_at = {p} "
                f"WHERE id = {p} AND version = {p}",
                (dest, digest, "completed" if closed else None, closed, cid, version),
            )
            assert cur.rowcount == 1
            if role:
                jid, jpath = jpaths[jcode]
                cur.execute(
                    f"INSERT INTO task (case_id, procedure, state, role, jurisdiction_id, "
                    f"jurisdiction_path, due_on, created_at) "
                    f"VALUES ({p}, 'hukou', {p}, {p}, {p}, {p}, {p}, {p})",
                    (cid, dest, role, jid, jpath, due, now),
                )
            cur.execute(
                f"INSERT INTO event (case_id, at, actor_id, kind, action, from_state, to_state, "
                f"reason, data, prev_hash, hash) "
                f"VALUES ({p}, {p}, {p}, 'transition', {p}, {p}, {p}, '', {p}, {p}, {p})",
                (cid, now, users[who], step, state, dest, payload, prev, digest),
            )
            conn.commit()
            steps += 1
    conn.close()
    return steps


# --- SpiffWorkflow ------------------------------------------------------------------------
def _spiff_spec():  # type: ignore[no-untyped-def]
    from SpiffWorkflow.bpmn.parser import BpmnParser

    parser = BpmnParser()
    parser.add_bpmn_file(str(Path(__file__).with_name("four_steps.bpmn")))
    return parser.get_spec("hukou_four_steps")


def _spiff_step(wf, step: str, data: dict, resubmit: bool) -> None:  # type: ignore[no-untyped-def, type-arg]
    from SpiffWorkflow.util.task import TaskState

    task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
    assert task.task_spec.name == ("resubmit" if resubmit and step == "submit" else step)
    task.data.update(data)
    task.run()
    wf.do_engine_steps()


def run_spiff(url: str, case_ids: list[int], users: dict) -> int:  # type: ignore[type-arg]
    """SpiffWorkflow on a DB-API connection it holds for the whole run (no pool, no
    ping): its workflow read, written back and an event row per step."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer

    spec, serializer = _spiff_spec(), BpmnWorkflowSerializer()
    conn, p = _connect(url)
    cur = conn.cursor()
    cur.execute(
        "CREATE TABLE IF NOT EXISTS bench_spiff_instance "
        "(case_id INTEGER PRIMARY KEY, state TEXT NOT NULL)"
    )
    for cid in case_ids:
        wf = BpmnWorkflow(spec)
        wf.do_engine_steps()
        cur.execute(
            f"INSERT INTO bench_spiff_instance VALUES ({p}, {p})",
            (cid, serializer.serialize_json(wf)),
        )
    conn.commit()
    steps = 0
    for step, who, data in STEPS:
        for cid in case_ids:
            cur.execute(f"SELECT state FROM bench_spiff_instance WHERE case_id = {p}", (cid,))
            wf = serializer.deserialize_json(cur.fetchone()[0])
            _spiff_step(wf, step, data, steps >= 2 * len(case_ids))
            cur.execute(
                f"UPDATE bench_spiff_instance SET state = {p} WHERE case_id = {p}",
                (serializer.serialize_json(wf), cid),
            )
            cur.execute(
                f"INSERT INTO event "
                f"(case_id, at, actor_id, kind, action, reason, data, prev_hash, hash) "
                f"VALUES ({p}, {p}, {p}, 'transition', {p}, '', {p}, '', '')",
                (cid, NOW.isoformat(), users[who], step, json.dumps(data, ensure_ascii=False)),
            )
            conn.commit()
            steps += 1
    cur.execute("DROP TABLE bench_spiff_instance")
    conn.commit()
    conn.close()
    return steps


_SPIFF_READ = "SELECT state FROM bench_spiff_instance WHERE case_id = :id"
_SPIFF_WRITE = "UPDATE bench_spiff_instance SET state = :state WHERE case_id = :id"
_SPIFF_EVENT = (
    "INSERT INTO event (case_id, at, actor_id, kind, action, reason, data, prev_hash, hash) "
    "VALUES (:id, :at, :actor, 'transition', :action, '', :data, '', '')"
)


def run_spiff_pooled(app, case_ids: list[int], users: dict) -> int:  # type: ignore[no-untyped-def, type-arg]
    """SpiffWorkflow deployed as a web application would deploy it (as the engine is): its
    statements through the application's SQLAlchemy engine, a connection taken from the
    same pool (pinged) and one transaction per step."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from sqlalchemy import text

    from transfers.extensions import db

    spec, serializer = _spiff_spec(), BpmnWorkflowSerializer()
    read, write, event = text(_SPIFF_READ), text(_SPIFF_WRITE), text(_SPIFF_EVENT)
    steps = 0
    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE bench_spiff_instance "
                    "(case_id INTEGER PRIMARY KEY, state TEXT NOT NULL)"
                )
            )
            for cid in case_ids:
                wf = BpmnWorkflow(spec)
                wf.do_engine_steps()
                conn.execute(
                    text("INSERT INTO bench_spiff_instance VALUES (:id, :state)"),
                    {"id": cid, "state": serializer.serialize_json(wf)},
                )
        for step, who, data in STEPS:
            for cid in case_ids:
                with engine.begin() as conn:
                    wf = serializer.deserialize_json(conn.execute(read, {"id": cid}).scalar_one())
                    _spiff_step(wf, step, data, steps >= 2 * len(case_ids))
                    conn.execute(write, {"state": serializer.serialize_json(wf), "id": cid})
                    conn.execute(
                        event,
                        {
                            "id": cid,
                            "at": NOW.isoformat(),
                            "actor": users[who],
                            "action": step,
                            "data": json.dumps(data, ensure_ascii=False),
                        },
                    )
                steps += 1
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE bench_spiff_instance"))
    return steps


# --- concurrent workers: processes (no shared GIL), each on its own cases -----------------
_WORK: dict = {}  # type: ignore[type-arg]  # set before forking, read by the workers


def _worker(kind_and_chunk: tuple[str, list[int]]) -> tuple[int, float, float]:
    kind, chunk = kind_and_chunk
    started: list[float] = []

    def ready() -> None:  # connected and set up: start together, then time the work
        _WORK["barrier"].wait()
        started.append(time.time())

    if kind == "engine":
        from transfers.extensions import db

        app = _WORK["app"]
        with app.app_context():
            db.engine.dispose(close=False)  # the parent's pooled connections are not ours
        steps = run_engine(app, chunk, _WORK["users"], ready)
    else:
        steps = run_raw(_WORK["url"], chunk, _WORK["users"], _WORK["jpaths"], ready)
    return steps, started[0], time.time()


def _cpu_ticks() -> tuple[int, int] | None:
    """(busy, all) jiffies of the whole machine, from /proc/stat (Linux)."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return None
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)  # minus idle and iowait


def concurrent(  # type: ignore[no-untyped-def]
    kind: str, ids: list[int], workers: int, **work
) -> tuple[float, float | None, float | None]:
    """Steps/s of `workers` processes, each moving its own share of `ids`; with the share
    of the machine's cores that was busy (client, server and kernel alike) and the CPU
    time that cost per step, in ms."""
    ctx = multiprocessing.get_context("fork")
    _WORK.update(work, barrier=ctx.Barrier(workers))
    before, t0 = _cpu_ticks(), time.time()
    with ctx.Pool(workers) as pool:
        results = pool.map(_worker, [(kind, ids[i::workers]) for i in range(workers)], chunksize=1)
    after, t1 = _cpu_ticks(), time.time()
    steps = sum(r[0] for r in results)
    rate = steps / (max(r[2] for r in results) - min(r[1] for r in results))
    if before is None or after is None:
        return rate, None, None
    busy = (after[0] - before[0]) / (after[1] - before[1])
    cores = multiprocessing.cpu_count()
    return rate, busy, 1000 * busy * cores * (t1 - t0) / steps


# --- the machine's own reference: pgbench's simple-update transaction ---------------------
def _pgbench() -> str | None:
    import glob
    import shutil

    found = shutil.which("pgbench") or sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"))
    return found if isinstance(found, str) else (found[-1] if found else None)


def pgbench_reference(url: str, workers: int, seconds: int = 10) -> tuple[float, float] | None:
    """pgbench's simple-update transaction (`-N`) on this server, 1 client and `workers`
    clients: the issue's reference for what group commit gives (tps each)."""
    import re
    import subprocess
    from urllib.parse import urlparse

    import psycopg

    binary = _pgbench()
    if binary is None:
        print("pgbench not found: no reference run")
        return None
    dsn = url.replace("postgresql+psycopg", "postgresql")
    parts = urlparse(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS bench_pgbench")
        conn.execute("CREATE DATABASE bench_pgbench")
    args = [
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
    ]
    try:
        subprocess.run(
            [binary, "-i", "-q", "-s", "10", *args, "bench_pgbench"],
            check=True,
            capture_output=True,
        )
        rates = []
        for clients in (1, workers):
            out = subprocess.run(
                [
                    binary,
                    "-N",
                    "-c",
                    str(clients),
                    "-j",
                    str(clients),
                    "-T",
                    str(seconds),
                    *args,
                    "bench_pgbench",
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            rates.append(float(re.search(r"tps = ([\d.]+)", out).group(1)))  # type: ignore[union-attr]
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_pgbench")
    return rates[0], rates[1]


def verdict(label: str, value: float, target: float, unit: str) -> str:
    met = "met" if value >= target else "NOT met"
    return f"  {label:<44} {value:7.2f}{unit}  (target >= {target:g}{unit}): {met}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cases", type=int, default=500, help="cases per contestant and round")
    ap.add_argument("--rounds", type=int, default=3, help="rounds; each contestant's best counts")
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--workers", type=int, default=0, help="also run N concurrent worker processes")
    ap.add_argument(
        "--worker-batches",
        type=int,
        default=4,
        help="cases for the workers, in batches of --cases: each worker should run for "
        "seconds, not fractions of one, or start-up costs count as throughput",
    )
    args = ap.parse_args()
    app = fresh_app(args.database_url)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    dialect = url.split(":")[0].split("+")[0]
    n, rounds = args.cases, args.rounds
    t0 = time.perf_counter()
    groups = 4 * rounds + (2 * args.worker_batches if args.workers else 0)
    seeded = seed(app, n, groups)
    print(f"seeded {groups * n} cases in {time.perf_counter() - t0:.1f} s on {dialect}")
    batches = iter(seeded["cases"][i * n : (i + 1) * n] for i in range(groups))
    with app.app_context():
        from transfers.extensions import db
        from transfers.jurisdictions.models import Jurisdiction

        jpaths = {j.code: (j.id, j.path) for j in db.session.query(Jurisdiction)}
    users = {"staff": seeded["staff"], "police": seeded["police"]}
    contestants = {
        "engine, act()": lambda ids: run_engine(app, ids, users),
        "raw SQL ceiling": lambda ids: run_raw(url, ids, users, jpaths),
        "SpiffWorkflow": lambda ids: run_spiff_pooled(app, ids, users),
        "Spiff, own conn.": lambda ids: run_spiff(url, ids, users),
    }
    # The machine may be shared: the contestants take turns, and each one's best round counts.
    best = dict.fromkeys(contestants, 0.0)
    cpu = dict.fromkeys(contestants, float("inf"))  # this process's CPU, ms per step
    for r in range(rounds):
        line = []
        for label, fn in contestants.items():
            ids = next(batches)
            t, c = time.perf_counter(), time.process_time()
            steps = fn(ids)
            rate = steps / (time.perf_counter() - t)
            best[label] = max(best[label], rate)
            cpu[label] = min(cpu[label], 1000 * (time.process_time() - c) / steps)
            line.append(f"{label} {rate:.0f}")
        print(f"round {r + 1}: " + ", ".join(line) + " steps/s")
    print(f"one client, 4 steps x {n} cases, one transaction per step (best of {rounds} rounds):")
    for label, rate in best.items():
        print(f"{label:>16}: {rate:8.0f} steps/s   client CPU {cpu[label]:.2f} ms/step")
    engine, raw, spiff = best["engine, act()"], best["raw SQL ceiling"], best["SpiffWorkflow"]
    own = best["Spiff, own conn."]
    print(
        f"engine / SpiffWorkflow = {engine / spiff:.2f}x (both through the application's "
        f"pool); engine / SpiffWorkflow on its own held connection = {engine / own:.2f}x; "
        f"engine / raw ceiling = {100 * engine / raw:.0f}%"
    )
    print(verdict(f"{dialect}: engine / SpiffWorkflow", engine / spiff, 1, "x"))
    if args.workers:
        w = args.workers
        work = {"app": app, "url": url, "users": users, "jpaths": jpaths}

        def batch() -> list[int]:
            return [cid for _ in range(args.worker_batches) for cid in next(batches)]

        eng_c, eng_busy, eng_cpu = concurrent("engine", batch(), w, **work)
        raw_c, raw_busy, raw_cpu = concurrent("raw", batch(), w, **work)
        per = args.worker_batches * n // w
        cores = multiprocessing.cpu_count()
        print(f"{w} concurrent worker processes, each on its own {per} cases ({4 * per} steps):")
        for label, rate, single, busy, per_step in (
            ("engine, act()", eng_c, engine, eng_busy, eng_cpu),
            ("raw SQL ceiling", raw_c, raw, raw_busy, raw_cpu),
        ):
            line = f"{label:>16}: {rate:8.0f} steps/s = {rate / single:.2f}x one client"
            if busy is not None and per_step is not None:
                line += (
                    f"; {cores} cores {100 * busy:.0f}% busy, {per_step:.2f} ms of CPU per step "
                    f"(client, server, kernel, fork included): at most "
                    f"{1000 * cores / per_step:.0f} steps/s = "
                    f"{1000 * cores / per_step / single:.2f}x"
                )
            print(line)
        print(f"engine / raw ceiling with {w} workers = {100 * eng_c / raw_c:.0f}%")
        if dialect != "sqlite":
            reference = pgbench_reference(url, w)
            if reference:
                one, many = reference
                print(
                    f"reference on this machine: pgbench simple-update {one:.0f} tps "
                    f"with 1 client, {many:.0f} tps with {w} = {many / one:.2f}x "
                    f"(the issue's machine: 3.8x; "
                    f"{multiprocessing.cpu_count()} CPU cores here)"
                )


if __name__ == "__main__":
    main()
