"""One case's part of a sweep: its due levels recorded, exactly once, with their events,
messages and ledger problems (transfers/deadlines/sweep.py)."""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, Integer, String, bindparam, exists, select
from sqlalchemy.dialects import postgresql, sqlite

from transfers.auth.models import User
from transfers.cases.models import Case, Event
from transfers.db import UTCDateTime, table_of
from transfers.deadlines.models import Escalation, EscalationLevel
from transfers.engine.events import append_events, event_spec
from transfers.extensions import db
from transfers.supervision.models import Problem
from transfers.tasks.models import Task
from workflows.calendar import WorkCalendar, local_date
from workflows.idcard import mask_name
from workflows.roles import Level, Role, ancestor_path

if TYPE_CHECKING:
    from transfers.deadlines.sweep import SweepResult

VIOLATION_LABELS = {"assistance_gap": "救助待遇断档（不断档要求未落实）"}

case_t = table_of(Case)
task_t = table_of(Task)
escalation_t = table_of(Escalation)
problem_t = table_of(Problem)


_ESCALATION_COLUMNS = ("task_id", "case_id", "level", "at", "due_on", "to_role", "to_path")
# The (task, level) row, selected only while the task is still open, running and due on
# the date read (parameters named apart from the columns).
_STILL_DUE = select(
    bindparam("e_task_id", type_=Integer()),
    bindparam("e_case_id", type_=Integer()),
    bindparam("e_level", type_=String()),
    bindparam("e_at", type_=UTCDateTime()),
    bindparam("e_due_on", type_=Date()),
    bindparam("e_to_role", type_=String()),
    bindparam("e_to_path", type_=String()),
).where(
    exists().where(
        task_t.c.id == bindparam("e_task_id"),
        task_t.c.closed_at.is_(None),
        task_t.c.suspended_at.is_(None),
        task_t.c.due_on == bindparam("e_due_on"),
    )
)
_LOCK_CASE = select(case_t.c.id).where(case_t.c.id == bindparam("case_id")).with_for_update()


@functools.cache
def _statements(dialect: str) -> dict[str, Any]:
    """The sweep's inserts in the dialect's own INSERT (it has ON CONFLICT DO NOTHING),
    built once per dialect."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return {
        "escalation": insert(escalation_t)
        .from_select(_ESCALATION_COLUMNS, _STILL_DUE)
        .on_conflict_do_nothing(index_elements=["task_id", "level"])
        .returning(escalation_t.c.id),
        **{
            key: insert(problem_t)
            .on_conflict_do_nothing(index_elements=[key])
            .returning(problem_t.c.id)
            for key in ("escalation_id", "event_id")
        },
    }


def _statement(name: str) -> Any:
    return _statements(db.session.get_bind().dialect.name)[name]


def escalation_target(level: EscalationLevel, task: Task, case: Case) -> tuple[Role, str]:
    """Who receives a level: (role, jurisdiction path)."""
    if level is EscalationLevel.REMINDER:
        return Role(task.role), task.jurisdiction_path
    if level is EscalationLevel.TOWNSHIP:
        # The township of the office's area; for a county office, the case's township.
        deep_enough = task.jurisdiction.level in (Level.TOWNSHIP, Level.VILLAGE)
        base = task.jurisdiction_path if deep_enough else case.jurisdiction_path
        return Role.TOWNSHIP_SUPERVISOR, ancestor_path(base, Level.TOWNSHIP)
    return Role.COUNTY_SUPERVISOR, ancestor_path(task.jurisdiction_path, Level.COUNTY)


def _describe(task: Task, case: Case) -> str:
    procedure = case.workflow
    return (
        f"{procedure.label}·{procedure.state(task.state).label}"
        f"（{mask_name(case.subject_name)}，事项编号{case.id}）"
    )


def _record_escalation(
    task: Task, level: EscalationLevel, due_on: date, target: tuple[Role, str], now: datetime
) -> int | None:
    """INSERT … ON CONFLICT (task_id, level) DO NOTHING RETURNING id, made only while the
    task is still open, running and due on `due_on`: the new id, or None."""
    values = (task.id, task.case_id, level.value, now, due_on, target[0].value, target[1])
    params = {f"e_{name}": value for name, value in zip(_ESCALATION_COLUMNS, values, strict=True)}
    new_id: int | None = db.session.connection().execute(_statement("escalation"), params).scalar()
    return new_id


def _open_problem(case: Case, description: str, now: datetime, **values: Any) -> int | None:
    """A ledger problem, unique on its source (escalation or event): the new id, or None
    if it was opened before."""
    key = "escalation_id" if "escalation_id" in values else "event_id"
    row = {
        "case_id": case.id,
        "jurisdiction_path": case.jurisdiction_path,
        "description": description[:1000],
        "opened_at": now,
        "task_id": None,
        "escalation_id": None,
        "event_id": None,
        "rectify_by": None,
        "measures": "",
        "office": "",
        **values,
    }
    new_id: int | None = db.session.connection().execute(_statement(key), row).scalar()
    return new_id


def _problem_opened(
    case: Case, description: str, problem_id: int, now: datetime, result: SweepResult
) -> dict[str, Any]:
    """The event of a new problem (returned) and its count. The township supervisors
    read it in their daily digest (transfers/inbox/digest.py), not one message each."""
    result.problems += 1
    return event_spec(
        at=now, kind="problem_opened", reason=description, data={"problem_id": problem_id}
    )


def _message(
    task: Task, level: EscalationLevel, case: Case, today: date, cal: WorkCalendar
) -> tuple[str, str]:
    """(title, body) of a level's message."""
    assert task.due_on is not None
    office = f"{task.jurisdiction.name}{task.role_label}"
    what = _describe(task, case)
    if level is EscalationLevel.REMINDER:
        left = cal.working_days_between(today, task.due_on)
        title = f"【到期提醒】{what}还剩{left}个工作日到期"
        return title, f"{office}：{what}办理时限为{task.due_on:%Y-%m-%d}，请抓紧办理。"
    late = (today - task.due_on).days
    return f"【{level.label}】{what}已超期{late}天", (
        f"{office}办理的{what}办理时限为{task.due_on:%Y-%m-%d}，已超期{late}天，"
        f"现予{level.label}，请立即办理并反馈。"
    )


def _recipients(
    task: Task, level: EscalationLevel, target: tuple[Role, str], result: SweepResult
) -> list[User]:
    """Who is told of a level at once: a reminder goes to the claimant, else the office;
    a 催办 or 督办 to the office. The supervisors it is addressed to (`target`) read it
    in their daily digest (transfers/inbox/digest.py), not one message per case."""
    if level is EscalationLevel.REMINDER and task.claimed_by is not None:
        return [task.claimed_by]
    return result.holders(task.role, task.jurisdiction_path)


def _overdue_problem(
    task: Task,
    case: Case,
    escalation_id: int,
    now: datetime,
    cal: WorkCalendar,
    result: SweepResult,
) -> list[dict[str, Any]]:
    """A 催办 opens a problem in the ledger: its event, if it is new."""
    assert task.due_on is not None
    description = f"{_describe(task, case)}超过办理时限（{task.due_on:%Y-%m-%d}）未办结，已催办"
    problem_id = _open_problem(
        case,
        description,
        now,
        kind="overdue",
        task_id=task.id,
        escalation_id=escalation_id,
        office=f"{task.jurisdiction.name}{task.role_label}",
        rectify_by=cal.add_working_days(local_date(now), 5),
    )
    if problem_id is None:
        return []
    return [_problem_opened(case, description, problem_id, now, result)]


def escalate_case(
    case: Case,
    due: list[tuple[Task, EscalationLevel]],
    now: datetime,
    cal: WorkCalendar,
    result: SweepResult,
) -> None:
    """Record the due levels of a case's tasks. The case row is held first (PostgreSQL:
    FOR UPDATE), so a step that closes a task either committed before (the task is no
    longer due: nothing is recorded) or waits for this transaction."""
    db.session.connection().execute(_LOCK_CASE, {"case_id": case.id})
    today = local_date(now)
    events: list[dict[str, Any]] = []
    for task, level in due:
        assert task.due_on is not None
        target = escalation_target(level, task, case)
        escalation_id = _record_escalation(task, level, task.due_on, target, now)
        if escalation_id is None:
            continue  # closed or moved meanwhile, or recorded by another sweeper
        result.escalations[level.value] += 1
        title, body = _message(task, level, case, today, cal)
        data = {
            "task_id": task.id,
            "escalation_id": escalation_id,
            "due_on": task.due_on.isoformat(),
            "to_role": target[0].value,
            "to_path": target[1],
        }
        events.append(event_spec(at=now, kind=level.value, reason=body, data=data))
        result.notify(
            _recipients(task, level, target, result),
            kind=level.value,
            title=title,
            body=body,
            now=now,
            case_id=case.id,
        )
        if level is EscalationLevel.TOWNSHIP:
            events += _overdue_problem(task, case, escalation_id, now, cal, result)
    if events:
        append_events(case.id, events)


def open_violation_problem(event: Event, now: datetime, result: SweepResult) -> None:
    """The ledger problem of a flagged violation, with its event, once."""
    case = event.case
    data = event.data or {}
    kind = str(data.get("kind") or "")
    label = VIOLATION_LABELS.get(kind, kind or "违规情形")
    description = (
        f"{case.workflow.label}（{mask_name(case.subject_name)}，事项编号{case.id}）：{label}"
    )
    if event.reason:
        description += f"。{event.reason}"
    problem_id = _open_problem(case, description, now, kind="violation", event_id=event.id)
    if problem_id is not None:
        append_events(case.id, [_problem_opened(case, description, problem_id, now, result)])
