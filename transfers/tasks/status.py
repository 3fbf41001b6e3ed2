"""The deadline light of each row of a task list, a suspended step included.

A suspended step (暂停计时) is not "● 正常": its clock stands still, and its due date moves
by the working days it has stood still, as `deadlines.suspension.resume` will move it
(the working days in (suspended day, today]). Rows show that moved date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from transfers.db import utcnow
from transfers.deadlines.services import work_calendar
from transfers.tasks.models import Task
from workflows.calendar import DeadlineStatus, WorkCalendar, deadline_status, local_date


@dataclass(frozen=True)
class RowStatus:
    """`deadline` for a running clock; `paused` with the moved due date for a stopped one."""

    deadline: DeadlineStatus | None
    paused: bool = False
    due_on: date | None = None


def paused_due(task: Task, today: date, cal: WorkCalendar) -> date | None:
    """The due date of a suspended task were its clock to resume today."""
    if task.due_on is None or task.suspended_at is None:
        return task.due_on
    stood = max(cal.working_days_between(local_date(task.suspended_at), today), 0)
    return cal.add_working_days(task.due_on, stood)


def row_status(task: Task, today: date, cal: WorkCalendar) -> RowStatus:
    """The row's light, or 暂停 with the moved due date for a suspended step."""
    if task.suspended_at is not None:
        return RowStatus(None, paused=True, due_on=paused_due(task, today, cal))
    return RowStatus(deadline_status(task.due_on, today, cal), due_on=task.due_on)


def row_statuses(tasks: Iterable[Task]) -> dict[int, RowStatus]:
    cal = work_calendar()
    today = local_date(utcnow())
    return {t.id: row_status(t, today, cal) for t in tasks}
