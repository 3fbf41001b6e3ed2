"""The message a 退回 sends: whoever handed the case on learns that it came back and why.

The addressee is the user who finished the step the case was returned to (the clerk who
submitted it); when that step was never done by a user, or the user is no longer active,
every active holder of the reopened step's office is told instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from transfers.auth.models import User
from transfers.extensions import db
from transfers.households.models import Household
from transfers.inbox.models import Notification
from transfers.inbox.services import holders, notify
from transfers.tasks.models import Task
from workflows.base import Procedure
from workflows.idcard import mask_name

KIND = "returned"


def previous_actor(case_id: int, state: str, reopened_task_id: int) -> int | None:
    """The id of the user who last finished the case's step `state` (before it was
    reopened), if that user is still active."""
    row = db.session.execute(
        select(User.id, User.active)
        .join(Task, Task.closed_by_id == User.id)
        .where(Task.case_id == case_id, Task.state == state, Task.id != reopened_task_id)
        .order_by(Task.closed_at.desc(), Task.id.desc())
        .limit(1)
    ).first()
    return row.id if row is not None and row.active else None


def head_name(household_id: int) -> str:
    """The name a household's case is about: its head's."""
    head = db.session.get_one(Household, household_id).head
    return head.name if head else ""


@dataclass(frozen=True)
class Reopened:
    """The step a return reopened, as the engine has just written it."""

    case_id: int
    task_id: int
    state: str
    role: str
    jurisdiction_path: str


def announce_return(
    step: Reopened,
    *,
    procedure: Procedure,
    name: str,
    actor: User,
    source: str,
    reason: str,
    now: datetime,
) -> list[Notification]:
    """Tell whoever handed the case on that it was returned from step `source`, and why."""
    user_id = previous_actor(step.case_id, step.state, step.task_id)
    users = (
        [user_id]
        if user_id is not None
        else [u.id for u in holders(step.role, step.jurisdiction_path)]
    )
    title = f"【退回补正】{procedure.label}（{mask_name(name)}，事项编号{step.case_id}）"
    body = (
        f"{actor.display_name}在“{procedure.state(source).label}”环节将该事项退回至"
        f"“{procedure.state(step.state).label}”。退回原因：{reason or '未说明'}。"
        "请按原因补正后重新提交。"
    )
    return notify(users, kind=KIND, title=title, body=body, now=now, case_id=step.case_id)
