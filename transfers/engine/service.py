"""The one service that moves any case (DESIGN.md, The engine).

act(): load the case with its version and its open task; check permission (role ×
jurisdiction × state × version); ask the procedure's pure rules; then, in the caller's
transaction, update the case, close the task, open the next one with its due date and
append the event. The caller (a request, a CLI command, a job) commits once.
Nothing here knows a particular procedure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from transfers.auth.models import User
from transfers.cases.models import Case, Event, Intake
from transfers.deadlines.services import due_date
from transfers.engine.audit import chain_hash, event_payload
from transfers.engine.errors import (
    DuplicateCase,
    InvalidAction,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.jurisdictions.models import Jurisdiction
from transfers.tasks.models import Task
from transfers.tasks.permissions import can_act, can_claim, can_release
from workflows.base import Context, Decision, Procedure, RelatedCase, WorkflowError
from workflows.calendar import local_date
from workflows.registry import dependents_of, get_procedure
from workflows.roles import Role, ancestor_path


# --- reading ---------------------------------------------------------------------------
def open_task(case: Case) -> Task | None:
    return db.session.scalar(select(Task).where(Task.case_id == case.id, Task.closed_at.is_(None)))


def household_facts(household: Household) -> dict[str, Any]:
    site = household.site
    township = household.destination.parent
    return {
        "settlement_mode": household.settlement_mode,
        "site_kind": site.kind if site else None,
        "site_address": site.address if site else household.address,
        "site_name": site.name if site else "",
        "has_destination_housing": household.has_destination_housing,
        "lives_at_destination": household.lives_at_destination,
        "has_destination_homestead": household.has_destination_homestead,
        "has_destination_contracted_land": household.has_destination_contracted_land,
        "destination_name": household.destination.name,
        "destination_township_name": township.name if township else "",
        "origin_name": household.origin.name,
        "origin_code": household.origin.code,
        "destination_code": household.destination.code,
        "moved_on": household.moved_on.isoformat() if household.moved_on else None,
        "scope": household.scope.value,
        **(household.facts or {}),
    }


def person_facts(person: Person | None) -> dict[str, Any]:
    if person is None:
        return {}
    return {
        "relation": person.relation,
        "party_status": person.party_status,
        "collective_member": person.collective_member,
        "pension_status": person.pension_status,
        "medical_insurance": person.medical_insurance,
        "assistance": person.assistance,
        "registered_poor": person.registered_poor,
        "birth_date": person.birth_date.isoformat(),
        **(person.facts or {}),
    }


class LazyRelated(Mapping[str, RelatedCase]):
    """The person's other cases, queried only if a rule looks at them."""

    def __init__(self, case: Case):
        self._case = case
        self._data: dict[str, RelatedCase] | None = None

    def _load(self) -> dict[str, RelatedCase]:
        if self._data is None:
            self._data = related_cases(self._case)
        return self._data

    def __getitem__(self, key: str) -> RelatedCase:
        return self._load()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def related_cases(case: Case) -> dict[str, RelatedCase]:
    """The latest case of each other procedure for the same person (or household)."""
    q = select(Case).where(Case.id != case.id)
    if case.person_id is not None:
        q = q.where(Case.person_id == case.person_id)
    else:
        q = q.where(Case.household_id == case.household_id, Case.person_id.is_(None))
    related: dict[str, RelatedCase] = {}
    for other in db.session.scalars(q.order_by(Case.id)):
        related[other.procedure] = RelatedCase(
            other.procedure, other.state, other.outcome, dict(other.data or {})
        )
    return related


def build_context(case: Case, now: datetime) -> Context:
    return Context(
        facts={**household_facts(case.household), **person_facts(case.person)},
        case_data=dict(case.data or {}),
        related=LazyRelated(case),
        today=local_date(now),
    )


# --- writing ---------------------------------------------------------------------------
def _append_event(
    case: Case,
    *,
    at: datetime,
    actor: User | None,
    kind: str,
    action: str = "",
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> Event:
    data = data or {}
    actor_id = actor.id if actor is not None else None
    payload = event_payload(
        case_id=case.id,
        at=at,
        actor_id=actor_id,
        kind=kind,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data,
    )
    prev = case.last_event_hash or ""
    digest = chain_hash(prev, payload)
    event = Event(
        case_id=case.id,
        at=at,
        actor_id=actor_id,
        kind=kind,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data,
        prev_hash=prev,
        hash=digest,
    )
    db.session.add(event)
    # Moving the chain head updates the case row, so its version guards the chain too.
    case.last_event_hash = digest
    return event


# Division paths never change once created, so path -> id is safe to remember.
_jurisdiction_ids: dict[str, int] = {}


def _jurisdiction_id(path: str) -> int:
    jid = _jurisdiction_ids.get(path)
    if jid is None:
        jid = db.session.scalar(select(Jurisdiction.id).where(Jurisdiction.path == path))
        if jid is None:
            raise NotFound(f"找不到辖区 {path}")
        _jurisdiction_ids[path] = jid
    return jid


def task_jurisdiction(procedure: Procedure, state: str, household: Household) -> tuple[int, str]:
    """(id, path) of the office's area for a waiting state: the ancestor at the role's
    level on the state's side (origin or destination)."""
    spec = procedure.state(state)
    assert spec.role is not None
    base = household.origin if spec.side == "origin" else household.destination
    path = ancestor_path(base.path, Role(spec.role).level)
    return _jurisdiction_id(path), path


def _open_task(case: Case, procedure: Procedure, state: str, now: datetime) -> Task | None:
    spec = procedure.state(state)
    if not spec.waiting:
        return None
    jid, jpath = task_jurisdiction(procedure, state, case.household)
    task = Task(
        case_id=case.id,
        procedure=case.procedure,
        state=state,
        role=str(spec.role),
        jurisdiction_id=jid,
        jurisdiction_path=jpath,
        due_on=due_date(case.procedure, state, jpath, local_date(now)),
        created_at=now,
    )
    db.session.add(task)
    return task


def open_case(
    *,
    household: Household,
    person: Person | None,
    procedure_name: str,
    actor: User,
    now: datetime,
    intake: Intake | None = None,
    data: dict[str, Any] | None = None,
) -> Case:
    """Open a case in the procedure's initial state with its first task (受理)."""
    procedure = get_procedure(procedure_name)
    if procedure.per == "person" and person is None:
        raise InvalidAction(f"{procedure.label}按人办理，须指定人员")
    existing = db.session.scalar(
        select(Case.id).where(
            Case.procedure == procedure_name,
            Case.closed_at.is_(None),
            Case.person_id == person.id if person else Case.household_id == household.id,
        )
    )
    if existing is not None:
        who = person.name if person else "该户"
        raise DuplicateCase(f"{who}已有正在办理的{procedure.label}事项，不能重复受理")
    case = Case(
        procedure=procedure_name,
        household=household,
        person=person,
        intake=intake,
        state=procedure.initial,
        jurisdiction_id=household.destination_jurisdiction_id,
        jurisdiction_path=household.destination.path,
        opened_by_id=actor.id,
        opened_at=now,
        data=dict(data or {}),
        last_event_hash="",
    )
    db.session.add(case)
    db.session.flush()
    _append_event(
        case,
        at=now,
        actor=actor,
        kind="opened",
        to_state=procedure.initial,
        data={"receipt_no": intake.receipt_no} if intake else {},
    )
    _open_task(case, procedure, procedure.initial, now)
    db.session.flush()
    _settle(case, procedure, now)
    _reevaluate_dependents(case, now)
    return case


def load_case(case_id: int) -> Case | None:
    """The case with everything the rules read, in one query (fresh from the database)."""
    household = joinedload(Case.household)
    return db.session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .options(
            household.joinedload(Household.destination).joinedload(Jurisdiction.parent),
            household.joinedload(Household.origin),
            household.joinedload(Household.site),
            joinedload(Case.person),
        )
        .execution_options(populate_existing=True)
    )


def _load_for_update(case_id: int, seen_version: int | None) -> Case:
    case = load_case(case_id)
    if case is None:
        raise NotFound("找不到该事项")
    if seen_version is not None and seen_version != case.version:
        raise StaleVersion()
    return case


def act(
    *,
    case_id: int,
    action: str,
    actor: User,
    seen_version: int | None,
    data: dict[str, Any],
    now: datetime,
) -> Case:
    """Apply one user action to a case. Raises an EngineError or WorkflowError on refusal.

    Refusals leave the session unchanged; the caller commits on success.
    """
    case = _load_for_update(case_id, seen_version)
    task = open_task(case)
    if case.closed_at is not None:
        raise InvalidAction("该事项已办结")
    if task is None and case.workflow.state(case.state).waits_on:
        raise InvalidAction("该事项正在等待关联事项办结，暂无需办理")
    if task is None or task.state != case.state:
        # Read between another transaction's case and task writes: it moved meanwhile.
        raise StaleVersion()
    if not can_act(actor, task):
        raise PermissionDenied()
    procedure = case.workflow
    decision = procedure.decide(case.state, action, data, build_context(case, now))
    try:
        _apply(case, task, procedure, decision, actor, now)
        db.session.flush()
        _settle(case, procedure, now)
        _reevaluate_dependents(case, now)
        db.session.flush()
    except (StaleDataError, IntegrityError):
        # Someone else moved the case (version check) or opened its next task first.
        db.session.rollback()
        raise StaleVersion() from None
    return case


def _apply(
    case: Case,
    task: Task | None,
    procedure: Procedure,
    decision: Decision,
    actor: User | None,
    now: datetime,
) -> None:
    if task is not None:
        task.closed_at = now
        task.closed_by_id = actor.id if actor else None
        task.close_action = decision.action.trigger
    reason = str(decision.record.get("reason") or "")
    record = {k: v for k, v in decision.record.items() if k != "reason"}
    case.data = {**(case.data or {}), **record}
    if decision.person_facts and case.person is not None:
        case.person.facts = {**(case.person.facts or {}), **decision.person_facts}
    case.state = decision.dest
    if decision.final:
        case.outcome = decision.outcome
        case.closed_at = now
    _append_event(
        case,
        at=now,
        actor=actor,
        kind="transition",
        action=decision.action.trigger,
        from_state=decision.source,
        to_state=decision.dest,
        reason=reason,
        data=record,
    )
    for violation in decision.violations:
        _append_event(case, at=now, actor=None, kind="violation", data=dict(violation))
    waits_on = procedure.state(decision.dest).waits_on
    if waits_on:
        other = get_procedure(waits_on)
        _append_event(
            case,
            at=now,
            actor=None,
            kind="reevaluated",
            data={"dependency": waits_on, "text": f"等待{other.label}办结"},
        )
    # Close before opening: one open task per case is a unique index.
    db.session.flush()
    _open_task(case, procedure, decision.dest, now)


MAX_AUTOMATIC_STEPS = 5


def _fire_system_action(case: Case, procedure: Procedure, now: datetime) -> Decision | None:
    """Fire the first system action available in the case's state, if any."""
    if case.is_closed:
        return None
    ctx = build_context(case, now)
    for action in procedure.available_actions(case.state, ctx, system=True):
        try:
            decision = procedure.decide(case.state, action.trigger, {}, ctx)
        except WorkflowError:
            continue  # e.g. closing would leave a gap (五个不变): stay and wait
        _apply(case, open_task(case), procedure, decision, None, now)
        db.session.flush()
        return decision
    return None


def _settle(case: Case, procedure: Procedure, now: datetime) -> None:
    """Routing states move on at once (e.g. a decision table applied when a case opens)."""
    for _ in range(MAX_AUTOMATIC_STEPS):
        if _fire_system_action(case, procedure, now) is None:
            return


def _reevaluate_dependents(case: Case, now: datetime, _seen: set[int] | None = None) -> None:
    """Re-evaluate the person's open cases that depend on `case`'s procedure.

    A dependent whose system action is now available moves on ("unblocked by …"); one
    still waiting for this procedure says so ("waiting for …"). Each is a timeline event.
    """
    names = dependents_of(case.procedure)
    if not names or case.person_id is None:
        return
    seen = _seen if _seen is not None else {case.id}
    dependents = db.session.scalars(
        select(Case)
        .where(
            Case.person_id == case.person_id,
            Case.procedure.in_(names),
            Case.closed_at.is_(None),
            Case.id != case.id,
        )
        .order_by(Case.id)
    ).all()
    cause = get_procedure(case.procedure)
    cause_state = cause.state(case.state).label
    for dependent in dependents:
        if dependent.id in seen:
            continue
        seen.add(dependent.id)
        procedure = dependent.workflow
        before = dependent.state
        waiting = procedure.state(before).waits_on == case.procedure
        decision = _fire_system_action(dependent, procedure, now)
        if decision is not None:
            _append_event(
                dependent,
                at=now,
                actor=None,
                kind="reevaluated",
                data={
                    "dependency": case.procedure,
                    "cause_case_id": case.id,
                    "text": f"因{cause.label}（{cause_state}）解除等待：{decision.action.label}",
                },
            )
            _settle(dependent, procedure, now)
            _reevaluate_dependents(dependent, now, seen)
        elif waiting:
            _append_event(
                dependent,
                at=now,
                actor=None,
                kind="reevaluated",
                data={
                    "dependency": case.procedure,
                    "cause_case_id": case.id,
                    "text": f"继续等待{cause.label}办结（当前：{cause_state}）",
                },
            )
        else:
            status = procedure.dependency_status(build_context(dependent, now))
            if status and status != _last_status(dependent):
                _append_event(
                    dependent,
                    at=now,
                    actor=None,
                    kind="reevaluated",
                    data={
                        "dependency": case.procedure,
                        "cause_case_id": case.id,
                        "status": status,
                        "text": f"因{cause.label}（{cause_state}）重新评估：{status}",
                    },
                )


def _last_status(case: Case) -> str:
    """The derived status the last re-evaluation event recorded, if any."""
    data = db.session.scalar(
        select(Event.data)
        .where(Event.case_id == case.id, Event.kind == "reevaluated")
        .order_by(Event.id.desc())
        .limit(1)
    )
    return str((data or {}).get("status", ""))


def claim(*, task_id: int, actor: User, now: datetime) -> Task:
    """Claim an open task so that colleagues see who is on it (待办认领)."""
    task = db.session.get(Task, task_id, populate_existing=True)
    if task is None:
        raise NotFound("找不到该待办")
    if not can_claim(actor, task):
        if task.claimed_by_id not in (None, actor.id) or task.closed_at is not None:
            raise StaleVersion("该待办已被他人认领或已办结")
        raise PermissionDenied()
    result = db.session.execute(
        update(Task)
        .where(Task.id == task.id, Task.claimed_by_id.is_(None), Task.closed_at.is_(None))
        .values(claimed_by_id=actor.id, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StaleVersion("该待办已被他人认领或已办结")
    db.session.refresh(task)
    _append_event(task.case, at=now, actor=actor, kind="claimed", data={"task_id": task.id})
    _flush_or_stale()
    return task


def release(*, task_id: int, actor: User, now: datetime) -> Task:
    task = db.session.get(Task, task_id, populate_existing=True)
    if task is None:
        raise NotFound("找不到该待办")
    if not can_release(actor, task):
        raise PermissionDenied("只能释放本人认领的待办")
    task.claimed_by_id = None
    task.claimed_at = None
    _append_event(task.case, at=now, actor=actor, kind="released", data={"task_id": task.id})
    _flush_or_stale()
    return task


def record_event(case: Case, *, actor: User | None, kind: str, now: datetime, **kw: Any) -> Event:
    """Append a non-transition event (document uploaded, full ID viewed...)."""
    event = _append_event(case, at=now, actor=actor, kind=kind, **kw)
    _flush_or_stale()
    return event


def _flush_or_stale() -> None:
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        raise StaleVersion() from None
