"""What a step writes, in the caller's transaction.

A transition is one versioned update of the case, `UPDATE transfer_case SET …, version
= version + 1, last_event_hash = :new WHERE id = :id AND version = :seen AND
last_event_hash = :head`, then the person's facts, the task swap (close the open task,
open the next with its due date) and the events. No row matched: if the version moved,
another transaction took a step on the case (StaleVersion, 409); if only the chain head
moved (a reminder, a claim…), the step's events are chained again onto the new head and
the update is retried. A case that only gains events moves its head without changing
its version (transfers/engine/events.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update

from transfers.cases.models import Case
from transfers.db import table_of
from transfers.deadlines.services import due_date
from transfers.engine.errors import StaleVersion
from transfers.engine.events import (
    HEAD_ATTEMPTS,
    append_events,
    chained,
    connection,
    current_head,
    expire_held,
    insert_events,
)
from transfers.engine.reading import JURISDICTION_ID, CaseRow, OpenTask, case_t, person_t, task_path
from transfers.households.models import Person
from transfers.tasks.models import Task
from workflows.base import Procedure
from workflows.calendar import local_date

task_t = table_of(Task)

# Built once, with bound parameters (the SET columns come from the parameters; the
# WHERE parameters are named apart from the columns).
_UPDATE_CASE = update(case_t).where(
    case_t.c.id == bindparam("w_id"),
    case_t.c.version == bindparam("w_version"),
    case_t.c.last_event_hash == bindparam("w_head"),
)
_UPDATE_PERSON = update(person_t).where(person_t.c.id == bindparam("w_id"))
_CLOSE_TASK = update(task_t).where(task_t.c.id == bindparam("w_id"))
# The office's jurisdiction is looked up by its path within the insert.
_OPEN_TASK = (
    insert(task_t)
    .values(jurisdiction_id=JURISDICTION_ID.scalar_subquery())
    .returning(task_t.c.id, task_t.c.jurisdiction_id)
)


def plan_next_task(case: CaseRow, procedure: Procedure, state: str, now: datetime) -> None:
    """The task a waiting `state` opens, with its office and due date (written later)."""
    spec = procedure.state(state)
    if not spec.waiting:
        return
    jpath = task_path(procedure, state, case)
    case.opening = {
        "case_id": case.id,
        "procedure": case.procedure,
        "state": state,
        "role": str(spec.role),
        "jurisdiction_path": jpath,
        # A state may take its due date from the case's data (a publicity's recorded
        # end); otherwise the time-limit table counts from today.
        "due_on": spec.due_from(case.data)
        or due_date(case.procedure, state, jpath, local_date(now)),
        "created_at": now,
    }


def write(case: CaseRow) -> None:
    """Write what `case` has pending. Raises StaleVersion if another transaction took a
    step on the case since it was read."""
    if case.changes:
        conn = connection()
        _write_versioned(conn, case)
        closed = case.closing["id"] if case.closing is not None else None
        _write_person_and_tasks(conn, case)
        expire_held(Case, case.id)
        expire_held(Person, case.person_id)
        expire_held(Task, closed)
    elif case.events:
        assert not case.person_changed and case.closing is None and case.opening is None
        case.last_event_hash = append_events(case.id, case.events, case.last_event_hash)
    case.events = []


def _write_versioned(conn: Connection, case: CaseRow) -> None:
    """The versioned case update, which also moves the chain head, then the events."""
    for _attempt in range(HEAD_ATTEMPTS):
        rows = chained(case.id, case.last_event_hash, case.events)
        head = rows[-1]["hash"] if rows else case.last_event_hash
        guard = {"w_id": case.id, "w_version": case.version, "w_head": case.last_event_hash}
        values = {**case.changes, "version": case.version + 1, "last_event_hash": head}
        moved = conn.execute(_UPDATE_CASE, {**guard, **values})
        if moved.rowcount == 1:
            case.version += 1
            case.last_event_hash = head
            case.changes = {}
            insert_events(conn, rows)
            return
        version, case.last_event_hash = current_head(conn, case.id, lock=True)
        if version != case.version:
            raise StaleVersion()
    raise StaleVersion()


def _write_person_and_tasks(conn: Connection, case: CaseRow) -> None:
    """The person's facts and the task swap: close before opening (one open task per
    case is a unique index)."""
    if case.person_changed:
        conn.execute(_UPDATE_PERSON, {"w_id": case.person_id, "facts": case.person_data})
        case.person_changed = False
    if case.closing is not None:
        closing = dict(case.closing)
        conn.execute(_CLOSE_TASK, {"w_id": closing.pop("id"), **closing})
        case.closing = None
    if case.opening is not None:
        o: dict[str, Any] = case.opening
        new_id, jid = conn.execute(_OPEN_TASK, {**o, "j_path": o["jurisdiction_path"]}).one()
        case.task = OpenTask(new_id, o["state"], o["role"], jid, None)
        case.opening = None
