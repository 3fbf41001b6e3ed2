"""A province-scale data set for benchmarks (`flask bench-data --persons 400000`).

One province, ~10 cities, ~100 counties, ~1,000 townships, 5 villages per township, a
resettlement site per township; households of 1–6 persons; for each person a case of
each procedure in a random state (open ones with a task and a due date, some overdue;
closed ones with an outcome), each with a hash-chained event history and the closed task of
the step it left. About one open task in eight is overdue, as in an office that mostly keeps
its limits. Rows go in by chunks (COPY on PostgreSQL, DB-API executemany on SQLite), so
memory stays flat and the bulk of the time is building the rows, not writing them.
"""

from __future__ import annotations

import functools
import json
import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, select

from transfers.auth.models import RoleGrant, User
from transfers.cases.models import Case, Event, Intake
from transfers.deadlines.models import Escalation
from transfers.engine.audit import chain_hash, event_payload
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.households.services import initials
from transfers.jurisdictions.models import Jurisdiction, Site
from transfers.tasks.models import Task
from workflows.calendar import WorkCalendar, local_date
from workflows.idcard import check_digit
from workflows.registry import PROCEDURES
from workflows.roles import Level, Role, ancestor_path

PROVINCE = ("62", "甘肃省")
CHUNK = 5000
OVERDUE_SHARE = 0.12
BENCH_PASSWORD = "bench1234"


def _divisions(  # type: ignore[no-untyped-def]
    province: tuple[str, str], cities: int, counties_per_city: int, townships_per_county: int, villages: int
):
    """Yield (code, name, level, parent_code) top-down."""
    yield province[0], province[1], Level.PROVINCE, None
    for c in range(1, cities + 1):
        city = f"{province[0]}{c:02d}"
        yield city, f"第{c}市", Level.CITY, province[0]
        for k in range(1, counties_per_city + 1):
            county = f"{city}{20 + k:02d}"
            yield county, f"第{c}市第{k}县", Level.COUNTY, city
            for t in range(1, townships_per_county + 1):
                township = f"{county}{100 + t:03d}"
                yield township, f"第{k}县第{t}镇", Level.TOWNSHIP, county
                for v in range(1, villages + 1):
                    yield f"{township}{200 + v:03d}", f"第{t}镇第{v}村", Level.VILLAGE, township


def _chunks(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _BulkWriter:
    """Chunks of rows straight to the driver: COPY on PostgreSQL, executemany on SQLite.

    The generator builds plain values; the ORM's per-value type processing costs more
    than the database's work at this volume. Values are formatted as SQLAlchemy stores
    them (UTC instants, ISO dates, JSON text)."""

    def __init__(self, conn: Any) -> None:
        self.pg = conn.dialect.name == "postgresql"
        self.raw = conn.connection.driver_connection

    def write(self, table: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        cols = list(rows[0])
        cur = self.raw.cursor()
        try:
            if self.pg:
                json_cols = [c for c in cols if isinstance(table.c[c].type, JSON)]
                with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        for c in json_cols:
                            row[c] = _json(row[c])
                        copy.write_row([row[c] for c in cols])
            else:
                conv = [(c, _SQLITE.get(type(table.c[c].type).__name__)) for c in cols]
                conv = [(c, f) for c, f in conv if f]
                for row in rows:
                    for c, f in conv:
                        if row[c] is not None:
                            row[c] = f(row[c])
                marks = ", ".join("?" * len(cols))
                sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({marks})"
                cur.executemany(sql, [tuple(row[c] for c in cols) for row in rows])
        finally:
            cur.close()


def _json(v: Any) -> str:
    return "{}" if v == {} else json.dumps(v)


def _sqlite_instant(v: datetime) -> str:
    if v.tzinfo is not UTC:
        v = v.astimezone(UTC)
    return v.strftime("%Y-%m-%d %H:%M:%S.%f")


# How SQLAlchemy's SQLite dialect stores these types.
_SQLITE = {"UTCDateTime": _sqlite_instant, "Date": date.isoformat, "JSON": _json}


def generate(
    persons: int,
    *,
    seed: int = 7,
    now: datetime | None = None,
    province: tuple[str, str] = PROVINCE,
    overdue_share: float = OVERDUE_SHARE,
    progress: Callable[[str], None] = lambda _msg: None,
) -> dict[str, Any]:
    """Write the data set into an empty database; return counts and timings."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    today = local_date(now)
    started = time.perf_counter()
    counties = max(1, min(100, persons // 4000))
    cities = max(1, min(10, counties // 10 or 1))
    counties_per_city = max(1, counties // cities)
    conn = db.session.connection()
    writer = _BulkWriter(conn)

    # --- jurisdictions --------------------------------------------------------------------
    ids: dict[str, int] = {}
    paths: dict[str, str] = {}
    by_level: dict[Level, list[str]] = {lvl: [] for lvl in Level}
    next_id = 1
    rows = []
    for code, name, level, parent in _divisions(province, cities, counties_per_city, 10, 5):
        ids[code] = next_id
        paths[code] = (paths[parent] if parent else "") + code + "/"
        by_level[level].append(code)
        rows.append(
            {
                "id": next_id,
                "code": code,
                "name": name,
                "level": str(level),
                "parent_id": ids[parent] if parent else None,
                "path": paths[code],
            }
        )
        next_id += 1
    for batch in _chunks(iter(rows)):
        writer.write(Jurisdiction.__table__, batch)
    progress(f"{len(rows)} jurisdictions")

    # --- a centralized site in the first village of every township ---------------------------
    site_rows = []
    site_of_township: dict[str, int] = {}
    for i, township in enumerate(by_level[Level.TOWNSHIP], 1):
        village = f"{township}201"
        site_rows.append(
            {
                "id": i,
                "jurisdiction_id": ids[village],
                "name": f"{township}安置点",
                "kind": "centralized",
                "address": f"安置路{i}号",
            }
        )
        site_of_township[township] = i
    writer.write(Site.__table__, site_rows)

    # --- users: every office of the first county, plus supervisors up the tree -------------
    user_rows, grant_rows = [], []
    from werkzeug.security import generate_password_hash

    pw = generate_password_hash(BENCH_PASSWORD)
    first_county = by_level[Level.COUNTY][0]
    first_township = f"{first_county}101"
    offices = [
        ("bench_staff", Role.VILLAGE_STAFF, f"{first_township}201"),
        ("bench_police", Role.POLICE_STATION, first_township),
        ("bench_township_gov", Role.TOWNSHIP_GOVERNMENT, first_township),
        ("bench_township_lead", Role.TOWNSHIP_SUPERVISOR, first_township),
        ("bench_county_lead", Role.COUNTY_SUPERVISOR, first_county),
        ("bench_civil", Role.CIVIL_AFFAIRS_BUREAU, first_county),
        ("bench_province_lead", Role.COUNTY_SUPERVISOR, province[0]),
        ("bench_admin", Role.ADMIN, province[0]),
    ]
    for uid, (username, role, code) in enumerate(offices, 1):
        user_rows.append(
            {
                "id": uid,
                "username": username,
                "display_name": username,
                "password_hash": pw,
                "active": True,
                "session_token": "",
                "created_at": now,
            }
        )
        grant_rows.append({"user_id": uid, "role": str(role), "jurisdiction_id": ids[code]})
    writer.write(User.__table__, user_rows)
    writer.write(RoleGrant.__table__, grant_rows)

    # --- households, persons, intakes, cases, tasks, events ---------------------------------
    cal = WorkCalendar()
    villages = by_level[Level.VILLAGE]
    procedures = list(PROCEDURES.values())
    counts = {"households": 0, "persons": 0, "cases": 0, "tasks": 0, "closed_tasks": 0, "events": 0,
              "escalations": 0}
    hh_id = person_id = case_id = task_id = event_id = intake_id = escalation_id = 0
    pending: dict[str, list[dict[str, Any]]] = {
        "household": [], "person": [], "intake": [], "case": [], "task": [], "event": [],
        "escalation": [],
    }
    tables = {
        "household": Household, "person": Person, "intake": Intake,
        "case": Case, "task": Task, "event": Event, "escalation": Escalation,
    }

    def flush(force: bool = False) -> None:
        # Parents before children: all tables at once, in dependency order.
        if not force and all(len(v) < CHUNK for v in pending.values()):
            return
        for key in ("household", "person", "intake", "case", "task", "event", "escalation"):
            if pending[key]:
                writer.write(tables[key].__table__, pending[key])
                pending[key] = []

    receipt_seq: dict[tuple[str, date], int] = {}
    name_initials = functools.cache(initials)
    spans: dict[tuple[str, str], int] = {}
    while counts["persons"] < persons:
        hh_id += 1
        township = rng.choice(by_level[Level.TOWNSHIP])
        destination = f"{township}201"
        origin = rng.choice(villages)
        size = min(rng.choice((1, 2, 3, 3, 4, 4, 5, 6)), persons - counts["persons"])
        opened = now - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 600))
        pending["household"].append(
            {
                "id": hh_id,
                "origin_jurisdiction_id": ids[origin],
                "destination_jurisdiction_id": ids[destination],
                "site_id": site_of_township[township],
                "settlement_mode": "centralized",
                "has_destination_housing": False,
                "lives_at_destination": True,
                "has_destination_homestead": False,
                "has_destination_contracted_land": False,
                "address": "",
                "phone": "",
                "facts": {},
                "created_at": opened,
            }
        )
        county = ancestor_path(paths[destination], Level.COUNTY).split("/")[-2]
        key = (county, opened.date())
        receipt_seq[key] = receipt_seq.get(key, 0) + 1
        intake_id += 1
        pending["intake"].append(
            {
                "id": intake_id,
                "receipt_no": f"{county}-{opened:%Y%m%d}-{receipt_seq[key]:04d}",
                "household_id": hh_id,
                "opened_by_id": 1,
                "opened_at": opened,
            }
        )
        for m in range(size):
            person_id += 1
            # (birth day, sequence) is a bijection of the person id: unique numbers.
            birth = date(1940, 1, 1) + timedelta(days=person_id % 27000)
            first17 = f"{origin[:6]}{birth:%Y%m%d}{person_id // 27000 % 1000:03d}"
            number = first17 + check_digit(first17)
            name = rng.choice("王李张刘陈杨赵黄周吴") + rng.choice("建秀国英明华丽军平红")
            pending["person"].append(
                {
                    "id": person_id,
                    "household_id": hh_id,
                    "id_number": number,
                    "name": name,
                    "name_initials": name_initials(name),
                    "sex": "M" if int(number[16]) % 2 else "F",
                    "birth_date": birth,
                    "relation": "户主" if m == 0 else "子",
                    "party_status": "none",
                    "collective_member": True,
                    "pension_status": "contributing",
                    "medical_insurance": "resident",
                    "assistance": "none",
                    "registered_poor": True,
                    "facts": {},
                }
            )
            counts["persons"] += 1
            # three cases a person (~1.2M for 400k persons): hukou and two others
            chosen = procedures[:1] + rng.sample(procedures[1:], min(2, len(procedures) - 1))
            for proc in chosen:
                case_id += 1
                state = rng.choice(list(proc.states.values()))
                spec = proc.states[state.name]
                closed = spec.final
                initial = proc.states[proc.initial]
                moved = state.name != proc.initial
                # When the case entered its current state: a waiting step is usually
                # within its limit, sometimes (`overdue_share`) past it. A case still in
                # its first step was opened then (a later visit of the same household).
                entered = now - timedelta(days=rng.randint(0, 120))
                if spec.waiting and spec.limit:
                    key = (proc.name, state.name)
                    if key not in spans:
                        spans[key] = (cal.due_date(today, spec.limit) - today).days
                    span = spans[key]
                    late = rng.random() < overdue_share
                    age = span + rng.randint(1, 45) if late else rng.randint(0, max(0, span - 1))
                    entered = now - timedelta(days=age, minutes=rng.randint(0, 600))
                entered = max(entered, opened)
                case_opened = opened if moved else entered
                prev = ""
                events = [("opened", None, proc.initial, case_opened)]
                if moved:
                    events.append(("transition", proc.initial, state.name, entered))
                for kind, frm, to, at in events:
                    event_id += 1
                    payload = event_payload(
                        case_id=case_id, at=at, actor_id=1, kind=kind, action="",
                        from_state=frm, to_state=to, reason="", data={},
                    )
                    digest = chain_hash(prev, payload)
                    pending["event"].append(
                        {
                            "id": event_id, "case_id": case_id, "at": at, "actor_id": 1,
                            "kind": kind, "action": "", "from_state": frm, "to_state": to,
                            "reason": "", "data": {}, "prev_hash": prev, "hash": digest,
                        }
                    )
                    prev = digest
                pending["case"].append(
                    {
                        "id": case_id,
                        "procedure": proc.name,
                        "household_id": hh_id,
                        "person_id": person_id,
                        "intake_id": intake_id,
                        "state": state.name,
                        "outcome": state.name if closed else None,
                        "version": len(events),
                        "jurisdiction_id": ids[destination],
                        "jurisdiction_path": paths[destination],
                        "opened_by_id": 1,
                        "opened_at": case_opened,
                        "closed_at": entered if closed else None,
                        "data": {},
                        "last_event_hash": prev,
                    }
                )
                counts["cases"] += 1
                counts["events"] += len(events)
                steps = []
                if moved and initial.waiting:
                    steps.append((initial, opened, entered))  # the step it left, closed
                if spec.waiting:
                    steps.append((spec, entered, None))
                for step, created, left in steps:
                    base = origin if step.side == "origin" else destination
                    jpath = ancestor_path(paths[base], Role(step.role).level)
                    jcode = jpath.rstrip("/").split("/")[-1]
                    task_id += 1
                    pending["task"].append(
                        {
                            "id": task_id,
                            "case_id": case_id,
                            "procedure": proc.name,
                            "state": step.name,
                            "role": str(step.role),
                            "jurisdiction_id": ids[jcode],
                            "jurisdiction_path": jpath,
                            "due_on": cal.due_date(local_date(created), step.limit)
                            if step.limit
                            else None,
                            "created_at": created,
                            "closed_at": left,
                            "closed_by_id": 1 if left else None,
                            "close_action": "" if left else None,
                        }
                    )
                    counts["tasks" if left is None else "closed_tasks"] += 1
                    due_on = pending["task"][-1]["due_on"]
                    if left is None and due_on is not None and due_on < today:
                        # What the sweep would have recorded: 催办, and 督办 a week on.
                        deep = Role(step.role).level in (Level.TOWNSHIP, Level.VILLAGE)
                        targets = [
                            (
                                "township",
                                1,
                                Role.TOWNSHIP_SUPERVISOR,
                                ancestor_path(jpath if deep else paths[destination], Level.TOWNSHIP),
                            ),
                            ("district", 8, Role.COUNTY_SUPERVISOR, ancestor_path(jpath, Level.COUNTY)),
                        ]
                        for level, after, to_role, to_path in targets:
                            if (today - due_on).days < after:
                                break
                            escalation_id += 1
                            pending["escalation"].append(
                                {
                                    "id": escalation_id,
                                    "task_id": task_id,
                                    "case_id": case_id,
                                    "level": level,
                                    "at": datetime.combine(
                                        due_on + timedelta(days=after), datetime.min.time(), UTC
                                    ),
                                    "due_on": due_on,
                                    "to_role": str(to_role),
                                    "to_path": to_path,
                                }
                            )
                            counts["escalations"] += 1
        counts["households"] += 1
        flush()
        if hh_id % 20000 == 0:
            progress(f"{counts['persons']} persons, {counts['cases']} cases ({time.perf_counter() - started:.0f} s)")
    flush(force=True)
    _fix_sequences(conn)
    counts["seconds"] = round(time.perf_counter() - started, 1)
    counts["overdue_tasks"] = db.session.scalar(
        select(db.func.count()).select_from(Task).where(Task.closed_at.is_(None), Task.due_on < today)
    )
    return counts


def _fix_sequences(conn: Any) -> None:
    """Explicit ids were inserted; move PostgreSQL's sequences past them."""
    if conn.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    for table in ("jurisdiction", "site", "user_account", "role_grant", "household", "person",
                  "intake", "transfer_case", "task", "event", "escalation"):
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
            )
        )
