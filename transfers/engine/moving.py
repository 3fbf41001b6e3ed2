"""How a case moves: the permission check, the procedure's decision, the transition
with its events and task swap, the system actions that follow at once (`settle`), and
the re-evaluation of the person's cases that depend on it. Nothing here knows a
particular procedure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from transfers.auth.models import User
from transfers.cases.models import Event
from transfers.engine.errors import InvalidAction, PermissionDenied, StaleVersion
from transfers.engine.events import event_spec
from transfers.engine.reading import CaseRow, OpenTask, case_t, context, read_case
from transfers.engine.writing import plan_next_task, write
from transfers.extensions import db
from transfers.inbox.returns import Reopened, announce_return, head_name
from transfers.tasks.permissions import can_act
from workflows.base import RETURN, Decision, Procedure, WorkflowError
from workflows.i18n import gettext as _
from workflows.registry import dependents_of, get_procedure

MAX_AUTOMATIC_STEPS = 5


def check_step(
    case: CaseRow,
    action: str,
    actor: User,
    seen_version: int | None,
    data: dict[str, Any],
    now: datetime,
) -> tuple[OpenTask, Procedure, Decision]:
    """Permission (role × jurisdiction × state × version) and the rules' decision."""
    if seen_version is not None and seen_version != case.version:
        raise StaleVersion()
    task = case.task
    if case.closed_at is not None:
        raise InvalidAction(_("该事项已办结"))
    if task is None and case.workflow.state(case.state).waits_on:
        raise InvalidAction(_("该事项正在等待关联事项办结，暂无需办理"))
    if task is None or task.state != case.state:
        # Read between another transaction's case and task writes: it moved meanwhile.
        raise StaleVersion()
    if not can_act(actor, task):
        raise PermissionDenied()
    procedure = case.workflow
    decision = procedure.decide(case.state, action, data, context(case, now))
    return task, procedure, decision


def apply(
    case: CaseRow, procedure: Procedure, decision: Decision, actor: User | None, now: datetime
) -> None:
    """Take the decided transition and write it (a versioned update of the case)."""
    if case.task is not None:
        case.closing = {
            "id": case.task.id,
            "closed_at": now,
            "closed_by_id": actor.id if actor else None,
            "close_action": decision.action.trigger,
        }
        case.task = None
    reason = str(decision.record.get("reason") or "")
    record = {k: v for k, v in decision.record.items() if k != "reason"}
    if record:  # else the case's data stays as it is, unwritten
        case.set(data={**case.data, **record})
    if decision.person_facts and case.person_id is not None:
        case.person_data = {**case.person_data, **decision.person_facts}
        case.person_changed = True
    case.set(state=decision.dest)
    if decision.final:
        case.set(outcome=decision.outcome, closed_at=now)
    case.events.append(
        event_spec(
            at=now,
            actor_id=actor.id if actor else None,
            kind="transition",
            action=decision.action.trigger,
            from_state=decision.source,
            to_state=decision.dest,
            reason=reason,
            data=record,
        )
    )
    for violation in decision.violations:
        case.events.append(event_spec(at=now, kind="violation", data=dict(violation)))
    waits_on = procedure.state(decision.dest).waits_on
    if waits_on:
        text = f"等待{get_procedure(waits_on).label}办结"
        case.events.append(
            event_spec(at=now, kind="reevaluated", data={"dependency": waits_on, "text": text})
        )
    plan_next_task(case, procedure, decision.dest, now)
    opening = case.opening if decision.action.trigger == RETURN else None
    if opening is not None:
        opening["return_reason"] = reason  # the reopened step says why (被退回)
    write(case)
    if opening is not None and actor is not None and case.task is not None:
        step = Reopened(
            case.id, case.task.id, opening["state"], opening["role"], opening["jurisdiction_path"]
        )
        name = case.person_name if case.person_id is not None else head_name(case.household_id)
        announce_return(
            step,
            procedure=procedure,
            name=name,
            actor=actor,
            source=decision.source,
            reason=reason,
            now=now,
        )


def fire_system_action(case: CaseRow, procedure: Procedure, now: datetime) -> Decision | None:
    """Fire the first system action available in the case's state, if any."""
    if case.closed_at is not None or not procedure.has_system_actions(case.state):
        return None
    ctx = context(case, now)
    for action in procedure.available_actions(case.state, ctx, system=True):
        try:
            decision = procedure.decide(case.state, action.trigger, {}, ctx)
        except WorkflowError:
            continue  # e.g. closing would leave a gap (五个不变): stay and wait
        apply(case, procedure, decision, None, now)
        return decision
    return None


def settle(case: CaseRow, procedure: Procedure, now: datetime) -> None:
    """Routing states move on at once (e.g. a decision table applied when a case opens)."""
    for _step in range(MAX_AUTOMATIC_STEPS):
        if fire_system_action(case, procedure, now) is None:
            return


def reevaluate_dependents(case: CaseRow, now: datetime, seen: set[int] | None = None) -> None:
    """Re-evaluate the person's open cases that depend on `case`'s procedure.

    A dependent whose system action is now available moves on ("unblocked by …"); one
    still waiting for this procedure says so ("waiting for …"). Each is a timeline event.
    """
    names = dependents_of(case.procedure)
    if not names or case.person_id is None or not case.other_open_cases:
        return
    seen = seen if seen is not None else {case.id}
    c = case_t.c
    dependent_ids = db.session.scalars(
        select(c.id)
        .where(
            c.person_id == case.person_id,
            c.procedure.in_(names),
            c.closed_at.is_(None),
            c.id != case.id,
        )
        .order_by(c.id)
    ).all()
    for dependent_id in dependent_ids:
        if dependent_id not in seen:
            seen.add(dependent_id)
            _reevaluate(read_case(dependent_id), case, now, seen)


def _reevaluate(dependent: CaseRow, cause_case: CaseRow, now: datetime, seen: set[int]) -> None:
    """One dependent of `cause_case`: moved on, still waiting, or a new derived status."""
    procedure = dependent.workflow
    cause = get_procedure(cause_case.procedure)
    cause_state = cause.state(cause_case.state).label
    waiting = procedure.state(dependent.state).waits_on == cause_case.procedure
    data: dict[str, Any] = {"dependency": cause_case.procedure, "cause_case_id": cause_case.id}
    decision = fire_system_action(dependent, procedure, now)
    if decision is not None:
        text = f"因{cause.label}（{cause_state}）解除等待：{decision.action.label}"
    elif waiting:
        text = f"继续等待{cause.label}办结（当前：{cause_state}）"
    else:
        status = procedure.dependency_status(context(dependent, now))
        if not status or status == _last_status(dependent.id):
            return
        data["status"] = status
        text = f"因{cause.label}（{cause_state}）重新评估：{status}"
    dependent.events.append(event_spec(at=now, kind="reevaluated", data={**data, "text": text}))
    write(dependent)
    if decision is not None:
        settle(dependent, procedure, now)
        reevaluate_dependents(dependent, now, seen)


def _last_status(case_id: int) -> str:
    """The derived status the last re-evaluation event recorded, if any."""
    data = db.session.scalar(
        select(Event.data)
        .where(Event.case_id == case_id, Event.kind == "reevaluated")
        .order_by(Event.id.desc())
        .limit(1)
    )
    return str((data or {}).get("status", ""))
