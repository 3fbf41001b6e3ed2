"""Queue queries: filtered in SQL by role and jurisdiction, never after loading."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import joinedload

from transfers.auth.models import User
from transfers.cases.models import Case
from transfers.supervision.measures import overdue_steps
from transfers.supervision.scope import supervisor_paths
from transfers.tasks.models import Task
from workflows.roles import Role


def queue_query(
    user: User, *, procedure: str = "", state: str = "", sort: str = "due"
) -> Select[Task]:
    """Open tasks the user's offices act on (exact role and jurisdiction)."""
    acting = [g for g in user.grants if not Role(g.role).is_supervisor and g.role != Role.ADMIN]
    cond = (
        or_(
            *[
                and_(Task.role == g.role, Task.jurisdiction_path == g.jurisdiction.path)
                for g in acting
            ]
        )
        if acting
        else false()
    )
    q = (
        select(Task)
        .where(Task.closed_at.is_(None), cond)
        .options(
            joinedload(Task.case).joinedload(Case.person),
            joinedload(Task.jurisdiction),
            joinedload(Task.claimed_by),
        )
    )
    if procedure:
        q = q.where(Task.procedure == procedure)
    if state:
        q = q.where(Task.state == state)
    if sort == "-due":
        q = q.order_by(Task.due_on.desc(), Task.id.desc())
    elif sort == "created":
        q = q.order_by(Task.created_at, Task.id)
    else:
        q = q.order_by(Task.due_on.asc(), Task.id)
    return q


def done_query(user: User) -> Select[Task]:
    """Tasks this user closed (已办)."""
    return (
        select(Task)
        .where(Task.closed_by_id == user.id)
        .options(joinedload(Task.case).joinedload(Case.person))
        .order_by(Task.closed_at.desc())
    )


def supervised_overdue_query(user: User, today: date) -> Select[Task]:
    """The overdue steps under every jurisdiction the user supervises (the home page's,
    the overdue list's, the API's and the export's: ``supervision.measures``)."""
    return (
        overdue_steps(supervisor_paths(user), today)
        .options(
            joinedload(Task.case).joinedload(Case.person),
            joinedload(Task.jurisdiction),
        )
        .order_by(Task.due_on, Task.id)
    )
