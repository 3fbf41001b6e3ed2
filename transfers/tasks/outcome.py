"""After an action: say what happened and where the case went, and find 下一件.

The act view redirects (303) to the case page with this sentence ("已办理：…。已转城关镇
派出所办理，办理时限 … 前。"); its 下一件 link takes the next task of the queue the user
last looked at, in that queue's filter and order, after the task just finished.
"""

from __future__ import annotations

from flask import session

from transfers.auth.models import User
from transfers.cases.models import Case
from transfers.engine import open_task
from transfers.extensions import db
from transfers.tasks.filters import QueueFilter
from transfers.tasks.models import Task
from transfers.web import cn_date
from workflows.i18n import gettext as _
from workflows.registry import get_procedure

QUEUE_KEY = "queue_filter"
FINISHED_KEY = "finished_task"


def acted_message(case: Case, action_label: str) -> str:
    """What the action did to `case` (read after the commit), naming the next office."""
    done: str = _("已办理：%(action)s。", action=_(action_label))
    if case.is_closed:
        outcome = case.workflow.state(case.outcome or case.state)
        label = outcome.outcome_label or outcome.label
        return done + _("事项已办结：%(outcome)s。", outcome=_(label))
    task = open_task(case)
    if task is not None:
        office = _("%(place)s%(role)s", place=task.jurisdiction.name, role=_(task.role_label))
        if task.due_on is None:
            return done + _("已转%(office)s办理。", office=office)
        return done + _(
            "已转%(office)s办理，办理时限 %(date)s 前。", office=office, date=cn_date(task.due_on)
        )
    waits_on = case.workflow.state(case.state).waits_on
    if waits_on:
        return done + _(
            "等待关联事项“%(procedure)s”办结后自动转入下一环节。",
            procedure=_(get_procedure(waits_on).label),
        )
    return done


def remember_queue(f: QueueFilter) -> None:
    """The queue the user looks at, for 下一件 and 返回待办."""
    session[QUEUE_KEY] = f.as_args()


def remembered_queue(user: User) -> QueueFilter:
    return QueueFilter.from_args(session.get(QUEUE_KEY) or {}, user)


def remember_finished(task_id: int | None) -> None:
    session[FINISHED_KEY] = task_id


def finished_task() -> Task | None:
    task_id = session.get(FINISHED_KEY)
    return db.session.get(Task, task_id) if isinstance(task_id, int) else None
