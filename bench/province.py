"""A province-scale data set for benchmarks (`bench/make_province.py --persons 400000`).

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
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bench.bulk import CHUNK, BulkWriter, fix_sequences
from bench.province_tree import write_sites, write_tree, write_users
from transfers.cases.models import Case, Event, Intake
from transfers.deadlines.models import Escalation
from transfers.engine.audit import chain_hash, event_payload
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.households.services import initials
from transfers.tasks.models import Task
from workflows.calendar import WorkCalendar, local_date
from workflows.idcard import check_digit
from workflows.registry import PROCEDURES
from workflows.roles import Level, Role, ancestor_path

PROVINCE = ("62", "甘肃省")
OVERDUE_SHARE = 0.12


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
    conn = db.session.connection()
    writer = BulkWriter(conn)

    tree = write_tree(writer, province, counties, progress)
    write_sites(writer, tree)
    write_users(writer, tree, province[0], now)
    ids, paths, by_level, site_of_township = (
        tree.ids,
        tree.paths,
        tree.by_level,
        tree.site_of_township,
    )

    # --- households, persons, intakes, cases, tasks, events ---------------------------------
    cal = WorkCalendar()
    villages = by_level[Level.VILLAGE]
    procedures = list(PROCEDURES.values())
    counts = {
        "households": 0,
        "persons": 0,
        "cases": 0,
        "tasks": 0,
        "closed_tasks": 0,
        "events": 0,
        "escalations": 0,
    }
    hh_id = person_id = case_id = task_id = event_id = intake_id = escalation_id = 0
    pending: dict[str, list[dict[str, Any]]] = {
        "household": [],
        "person": [],
        "intake": [],
        "case": [],
        "task": [],
        "event": [],
        "escalation": [],
    }
    tables = {
        "household": Household,
        "person": Person,
        "intake": Intake,
        "case": Case,
        "task": Task,
        "event": Event,
        "escalation": Escalation,
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
                        case_id=case_id,
                        at=at,
                        actor_id=1,
                        kind=kind,
                        action="",
                        from_state=frm,
                        to_state=to,
                        reason="",
                        data={},
                    )
                    digest = chain_hash(prev, payload)
                    pending["event"].append(
                        {
                            "id": event_id,
                            "case_id": case_id,
                            "at": at,
                            "actor_id": 1,
                            "kind": kind,
                            "action": "",
                            "from_state": frm,
                            "to_state": to,
                            "reason": "",
                            "data": {},
                            "prev_hash": prev,
                            "hash": digest,
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
                                ancestor_path(
                                    jpath if deep else paths[destination], Level.TOWNSHIP
                                ),
                            ),
                            (
                                "district",
                                8,
                                Role.COUNTY_SUPERVISOR,
                                ancestor_path(jpath, Level.COUNTY),
                            ),
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
            progress(
                f"{counts['persons']} persons, {counts['cases']} cases "
                f"({time.perf_counter() - started:.0f} s)"
            )
    flush(force=True)
    fix_sequences(conn)
    counts["seconds"] = round(time.perf_counter() - started, 1)
    counts["overdue_tasks"] = db.session.scalar(
        select(db.func.count())
        .select_from(Task)
        .where(Task.closed_at.is_(None), Task.due_on < today)
    )
    return counts
