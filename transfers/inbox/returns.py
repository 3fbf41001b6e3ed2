"""The message a 退回 sends: whoever handed the case on learns that it came back and why.

The addressee is the user who finished the step the case was returned to (the clerk who
submitted it); when that step was never done by a user, or the user is no longer active,
every active holder of the reopened step's office is told instead.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from transfers.auth.models import User
from transfers.cases.models import Case
from transfers.extensions import db
from transfers.inbox.models import Notification
from transfers.inbox.services import holders, notify
from transfers.tasks.models import Task
from workflows.idcard import mask_name

KIND = "returned"


def previous_actor(case_id: int, state: str, reopened_task_id: int) -> User | None:
    """The active user who last finished the case's step `state` (before it was reopened)."""
    user_id = db.session.scalar(
        select(Task.closed_by_id)
        .where(
            Task.case_id == case_id,
            Task.state == state,
            Task.id != reopened_task_id,
            Task.closed_by_id.is_not(None),
        )
        .order_by(Task.closed_at.desc(), Task.id.desc())
        .limit(1)
    )
    user = db.session.get(User, user_id) if user_id is not None else None
    return user if user is not None and user.active else None


def announce_return(
    case_id: int, *, actor: User, source: str, reason: str, now: datetime
) -> list[Notification]:
    """Tell whoever handed the case on that it was returned from step `source`, and why."""
    case = db.session.get(Case, case_id)
    task = db.session.scalar(select(Task).where(Task.case_id == case_id, Task.closed_at.is_(None)))
    if case is None or task is None:
        return []
    user = previous_actor(case_id, task.state, task.id)
    users = [user] if user is not None else holders(task.role, task.jurisdiction_path)
    procedure = case.workflow
    who = mask_name(case.subject_name)
    title = f"【退回补正】{procedure.label}（{who}，事项编号{case.id}）"
    body = (
        f"{actor.display_name}在“{procedure.state(source).label}”环节将该事项退回至"
        f"“{procedure.state(task.state).label}”。退回原因：{reason or '未说明'}。"
        "请按原因补正后重新提交。"
    )
    return notify(users, kind=KIND, title=title, body=body, now=now, case_id=case_id)
