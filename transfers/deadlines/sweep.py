"""The timer sweep: reminders, 催办 and 督办 (docs/policy.md "Time limits, reminders and
escalation"; docs/deadlines.md).

`sweep(now)` selects, per level, the open running tasks whose level has come due and
is not recorded yet (an indexed range on the open tasks' `due_on` and the unique key of
`escalation`), so its cost grows with the work that is due. Each (task, level) is one
`INSERT … ON CONFLICT (task_id, level) DO NOTHING RETURNING id`, made only while the
task is still open, running and due that day: a second sweeper at the same time, or a
sweep repeated after a crash, inserts nothing and so writes no event and no message.
After downtime the next sweep catches up on everything that came due meanwhile.

Levels, with the defaults of docs/policy.md (configurable):
- reminder: from `reminder_days` working days before the due date up to the due date,
  to the task's claimant, else every holder of the task's role and jurisdiction;
- township (催办): once the due date has passed, to the township supervisors;
- district (督办): from `district_days` working days after the due date, to the
  county/district supervisors.
The task's office is told of each 催办 and 督办 at once; the supervisors read theirs,
and the new ledger problems, in one daily digest (transfers/inbox/digest.py). A 催办
opens a problem in the problem ledger; so does every event of kind "violation" flagged
by a procedure.

Each event goes through the engine's `append_events` (it moves the case's chain head,
not its version: a clerk's open action form stays valid). The sweep commits after
each batch of tasks but the last, which the caller commits; it returns the ids of the
notifications to e-mail once that is done.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select, text
from sqlalchemy.orm import joinedload

from transfers.auth.models import User
from transfers.cases.models import Case, Event
from transfers.db import table_of
from transfers.deadlines.escalating import escalate_case, open_violation_problem
from transfers.deadlines.models import Escalation, EscalationLevel
from transfers.deadlines.services import work_calendar
from transfers.extensions import db
from transfers.inbox.models import Notification
from transfers.inbox.services import holders, notify
from transfers.supervision.models import Problem
from transfers.tasks.models import Task
from workflows.calendar import WorkCalendar, local_date

# pg_try_advisory_xact_lock key: "sweep" in ASCII.
SWEEP_LOCK_KEY = 0x7377656570
# Tasks per batch; the sweep commits after each batch but the last.
BATCH = 200

case_t = table_of(Case)


@dataclass(frozen=True)
class EscalationPolicy:
    reminder_days: int = 2
    district_days: int = 5

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EscalationPolicy:
        def get(key: str, default: int) -> int:
            return int(config.get(key) or os.environ.get(key) or default)

        return cls(
            reminder_days=get("REMINDER_WORKING_DAYS", 2),
            district_days=get("DISTRICT_ESCALATION_WORKING_DAYS", 5),
        )


@dataclass
class SweepResult:
    skipped: bool = False
    escalations: Counter[str] = field(default_factory=Counter)
    problems: int = 0
    notification_ids: list[int] = field(default_factory=list)
    # Recipients by (role, jurisdiction path), looked up once per sweep.
    _holders: dict[tuple[str, str], list[User]] = field(default_factory=dict, repr=False)
    # Messages added in the current batch, numbered when it is flushed.
    pending: list[Notification] = field(default_factory=list, repr=False)

    def notify(self, users: list[User], **kw: Any) -> None:
        self.pending += notify((u.id for u in users), flush=False, **kw)

    def holders(self, role: str, path: str) -> list[User]:
        key = (role, path)
        if key not in self._holders:
            self._holders[key] = holders(role, path)
        return self._holders[key]

    def flushed(self) -> None:
        """The batch's messages are written: keep their ids for the mail."""
        db.session.flush()
        self.notification_ids += [n.id for n in self.pending]
        self.pending = []

    @property
    def total(self) -> int:
        return sum(self.escalations.values()) + self.problems

    def summary(self) -> str:
        if self.skipped:
            return "另一个催办进程正在运行，本次跳过"
        parts = [f"{lvl.label}{self.escalations.get(lvl.value, 0)}件" for lvl in EscalationLevel]
        return "；".join(
            parts + [f"新增问题{self.problems}个", f"站内消息{len(self.notification_ids)}条"]
        )


def _other_sweeper_running() -> bool:
    """On PostgreSQL a transaction-level advisory lock keeps a second sweeper idle."""
    if db.session.get_bind().dialect.name != "postgresql":
        return False
    got = db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SWEEP_LOCK_KEY})
    return not got


def due_task_ids(
    level: EscalationLevel,
    now: datetime,
    cal: WorkCalendar,
    policy: EscalationPolicy,
) -> list[int]:
    """Open, running tasks whose `level` has come due and is not recorded yet."""
    today = local_date(now)
    q = select(Task.id, Task.due_on).where(
        Task.closed_at.is_(None),
        Task.suspended_at.is_(None),
        Task.due_on.is_not(None),
        ~exists().where(Escalation.task_id == Task.id, Escalation.level == level.value),
    )
    if level is EscalationLevel.REMINDER:
        # Working days left (today, due] <= reminder_days, and not yet overdue.
        q = q.where(
            Task.due_on >= today,
            Task.due_on < cal.add_working_days(today, policy.reminder_days + 1),
        )
    elif level is EscalationLevel.TOWNSHIP:
        q = q.where(Task.due_on < today)
    else:
        # N working days are at least N calendar days: a range first, then the calendar.
        q = q.where(Task.due_on <= today - timedelta(days=policy.district_days))
    rows = db.session.execute(q.order_by(Task.id)).all()
    if level is EscalationLevel.DISTRICT:
        rows = [r for r in rows if cal.add_working_days(r.due_on, policy.district_days) <= today]
    return [r.id for r in rows]


def _tasks(ids: list[int]) -> list[Task]:
    return list(
        db.session.scalars(
            select(Task)
            .where(Task.id.in_(ids))
            .options(joinedload(Task.jurisdiction), joinedload(Task.claimed_by))
            .order_by(Task.id)
        )
    )


def due_tasks(
    level: EscalationLevel, now: datetime, cal: WorkCalendar, policy: EscalationPolicy
) -> list[Task]:
    """Open, running tasks whose `level` has come due and is not recorded yet."""
    return _tasks(due_task_ids(level, now, cal, policy))


def _due_levels(
    now: datetime, cal: WorkCalendar, policy: EscalationPolicy
) -> dict[int, list[EscalationLevel]]:
    """{task id: its levels due and not recorded yet, in escalation order}."""
    levels: dict[int, list[EscalationLevel]] = {}
    for level in EscalationLevel:
        for task_id in due_task_ids(level, now, cal, policy):
            levels.setdefault(task_id, []).append(level)
    return levels


def _escalate_batch(
    task_ids: list[int],
    levels: Mapping[int, list[EscalationLevel]],
    now: datetime,
    cal: WorkCalendar,
    result: SweepResult,
) -> None:
    """Record the due levels of a batch of tasks, case by case (a task overdue long
    enough gets its 催办 and its 督办 together)."""
    by_case: dict[int, list[Task]] = {}
    for task in _tasks(task_ids):
        by_case.setdefault(task.case_id, []).append(task)
    cases = db.session.scalars(
        select(Case).where(Case.id.in_(by_case)).options(joinedload(Case.person))
    )
    # The batch's messages are written together, at its end, not at every lookup.
    with db.session.no_autoflush:
        for case in sorted(cases, key=lambda c: c.id):
            due = [(t, level) for t in by_case[case.id] for level in levels[t.id]]
            escalate_case(case, due, now, cal, result)
    result.flushed()


def _violations(now: datetime, result: SweepResult) -> None:
    """Every flagged violation (event kind "violation") opens one problem."""
    events = db.session.scalars(
        select(Event)
        .where(Event.kind == "violation", ~exists().where(Problem.event_id == Event.id))
        .order_by(Event.id)
    ).all()
    for event in events:
        open_violation_problem(event, now, result)
    result.flushed()


def sweep(
    now: datetime, policy: EscalationPolicy | None = None, *, advisory_lock: bool = True
) -> SweepResult:
    """Record every level that came due by `now`, exactly once; open ledger problems."""
    policy = policy or EscalationPolicy()
    result = SweepResult()
    if advisory_lock and _other_sweeper_running():
        result.skipped = True
        return result
    cal = work_calendar()
    levels = _due_levels(now, cal, policy)
    ids = sorted(levels)
    for start in range(0, len(ids), BATCH):
        if start:
            db.session.commit()  # the batch before; the caller commits the last one
            if advisory_lock and _other_sweeper_running():
                return result  # another sweeper took over between two batches
        _escalate_batch(ids[start : start + BATCH], levels, now, cal, result)
    _violations(now, result)
    return result


__all__ = ["EscalationPolicy", "SweepResult", "due_task_ids", "due_tasks", "sweep"]
