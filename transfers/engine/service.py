"""The one service that moves any case (docs/architecture.md, The engine).

act(): read the case with its version and its open task; check permission (role ×
jurisdiction × state × version); ask the procedure's pure rules; then, in the caller's
transaction, update the case (versioned: StaleVersion, 409, if another transaction took
a step on it), close the task, open the next one with its due date and append the
events. The caller (a request, a CLI command, a job) commits once.

Reading: transfers/engine/reading.py; the transition and what follows it:
moving.py; the writes: writing.py; the hash chain and events that are not transitions
(they leave the version alone): events.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from transfers.auth.models import User
from transfers.cases.models import Case, Event, Intake
from transfers.engine.errors import (
    DuplicateCase,
    InvalidAction,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
from transfers.engine.events import append_events, event_row, event_spec, expire_held
from transfers.engine.moving import apply, check_step, reevaluate_dependents, settle
from transfers.engine.reading import (
    build_context,
    household_facts,
    open_task,
    person_facts,
    read_case,
    related_cases,
    task_jurisdiction,
)
from transfers.engine.writing import plan_next_task, write
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.tasks.models import Task
from transfers.tasks.permissions import can_claim, can_release
from workflows.i18n import gettext as _
from workflows.registry import get_procedure

__all__ = [
    "Moved",
    "act",
    "build_context",
    "claim",
    "event_row",
    "household_facts",
    "open_case",
    "open_task",
    "person_facts",
    "record_event",
    "related_cases",
    "release",
    "task_jurisdiction",
]


def _refuse_duplicate(procedure_name: str, household: Household, person: Person | None) -> None:
    """DuplicateCase if the person (or household) has this procedure open already."""
    existing = db.session.scalar(
        select(Case.id).where(
            Case.procedure == procedure_name,
            Case.closed_at.is_(None),
            Case.person_id == person.id if person else Case.household_id == household.id,
        )
    )
    if existing is None:
        return
    label = _(get_procedure(procedure_name).label)
    if person is None:
        raise DuplicateCase(_("该户已有正在办理的%(procedure)s事项，不能重复受理", procedure=label))
    raise DuplicateCase(
        _(
            "%(name)s已有正在办理的%(procedure)s事项，不能重复受理",
            name=person.name,
            procedure=label,
        )
    )


def open_case(
    *,
    household: Household,
    person: Person | None,
    procedure_name: str,
    actor: User | None,
    now: datetime,
    intake: Intake | None = None,
    data: dict[str, Any] | None = None,
) -> Case:
    """Open a case in the procedure's initial state with its first task (受理). `actor`
    None is the system (monitoring opens follow-ups by itself)."""
    procedure = get_procedure(procedure_name)
    if procedure.per == "person" and person is None:
        raise InvalidAction(_("%(procedure)s按人办理，须指定人员", procedure=_(procedure.label)))
    _refuse_duplicate(procedure_name, household, person)
    orm = Case(
        procedure=procedure_name,
        household=household,
        person=person,
        intake=intake,
        state=procedure.initial,
        jurisdiction_id=household.destination_jurisdiction_id,
        jurisdiction_path=household.destination.path,
        opened_by_id=actor.id if actor is not None else None,
        opened_at=now,
        data=dict(data or {}),
        last_event_hash="",
    )
    db.session.add(orm)
    db.session.flush()
    case = read_case(orm.id)
    case.set(state=procedure.initial)  # the opening is the case's first transition
    case.events.append(
        event_spec(
            at=now,
            actor_id=actor.id if actor is not None else None,
            kind="opened",
            to_state=procedure.initial,
            data={"receipt_no": intake.receipt_no} if intake else {},
        )
    )
    plan_next_task(case, procedure, procedure.initial, now)
    write(case)
    settle(case, procedure, now)
    reevaluate_dependents(case, now)
    return orm


@dataclass(frozen=True)
class Moved:
    """What a step left: the case's state and version after it (the version the next
    form sends). The ORM Case, if the caller needs one, is `db.session.get(Case, id)`."""

    case_id: int
    state: str
    version: int
    outcome: str | None
    closed: bool


def act(
    *,
    case_id: int,
    action: str,
    actor: User,
    seen_version: int | None,
    data: dict[str, Any],
    now: datetime,
) -> Moved:
    """Apply one user action to a case, in the caller's transaction (the caller commits).

    Refusals (an EngineError or WorkflowError) write nothing. StaleVersion found while
    writing (another transaction took a step on this case or on a dependent one) rolls
    the session back, since part of the step may be written.
    """
    case = read_case(case_id)
    expire_held(Case, case_id)  # whatever the outcome, the caller sees the row as it is
    _task, procedure, decision = check_step(case, action, actor, seen_version, data, now)
    try:
        apply(case, procedure, decision, actor, now)
        settle(case, procedure, now)
        reevaluate_dependents(case, now)
    except StaleVersion:
        db.session.rollback()
        raise
    return Moved(case.id, case.state, case.version, case.outcome, case.closed_at is not None)


def claim(*, task_id: int, actor: User, now: datetime) -> Task:
    """Claim an open task so that colleagues see who is on it (待办认领)."""
    task = db.session.get(Task, task_id, populate_existing=True)
    if task is None:
        raise NotFound(_("找不到该待办"))
    if not can_claim(actor, task):
        if task.claimed_by_id not in (None, actor.id) or task.closed_at is not None:
            raise StaleVersion(_("该待办已被他人认领或已办结"))
        raise PermissionDenied()
    result = db.session.connection().execute(
        update(Task)
        .where(Task.id == task.id, Task.claimed_by_id.is_(None), Task.closed_at.is_(None))
        .values(claimed_by_id=actor.id, claimed_at=now)
    )
    if result.rowcount != 1:
        raise StaleVersion(_("该待办已被他人认领或已办结"))
    db.session.refresh(task)
    _record(task.case_id, actor=actor, kind="claimed", now=now, data={"task_id": task.id})
    return task


def release(*, task_id: int, actor: User, now: datetime) -> Task:
    task = db.session.get(Task, task_id, populate_existing=True)
    if task is None:
        raise NotFound(_("找不到该待办"))
    if not can_release(actor, task):
        raise PermissionDenied(_("只能释放本人认领的待办"))
    task.claimed_by_id = None
    task.claimed_at = None
    _record(task.case_id, actor=actor, kind="released", now=now, data={"task_id": task.id})
    return task


def _record(case_id: int, *, actor: User | None, kind: str, now: datetime, **kw: Any) -> str:
    """Append one event to a case's chain (not a transition: the version stays)."""
    spec = event_spec(at=now, actor_id=actor.id if actor else None, kind=kind, **kw)
    return append_events(case_id, [spec])


def record_event(case: Case, *, actor: User | None, kind: str, now: datetime, **kw: Any) -> Event:
    """Append a non-transition event (document uploaded, full ID viewed...)."""
    head = _record(case.id, actor=actor, kind=kind, now=now, **kw)
    return db.session.execute(
        select(Event).where(Event.case_id == case.id, Event.hash == head)
    ).scalar_one()
