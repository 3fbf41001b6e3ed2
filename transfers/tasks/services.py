"""Queue queries: filtered in SQL by role and jurisdiction, never after loading."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, tuple_
from sqlalchemy.orm import joinedload

from transfers.auth.models import User
from transfers.cases.models import Case
from transfers.extensions import db
from transfers.supervision.measures import overdue_steps
from transfers.supervision.scope import supervisor_paths
from transfers.tasks.filters import QueueFilter, acting_roles, task_search
from transfers.tasks.models import Task


def queue_query(
    user: User, *, procedure: str = "", state: str = "", sort: str = "due", q: str = ""
) -> Select[Task]:
    """Open tasks the user's offices act on (exact role and jurisdiction), narrowed by a
    procedure, a step, a search box (`filters.task_search`), in the order asked for."""
    roles = acting_roles(user)
    acting = [g for g in user.grants if g.role in roles]
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
    query = (
        select(Task)
        .where(Task.closed_at.is_(None), cond)
        .options(
            joinedload(Task.case).joinedload(Case.person),
            joinedload(Task.jurisdiction),
            joinedload(Task.claimed_by),
        )
    )
    if procedure:
        query = query.where(Task.procedure == procedure)
    if state:
        query = query.where(Task.state == state)
    if q.strip():
        query = query.where(task_search(q))
    if sort == "-due":
        return query.order_by(Task.due_on.desc(), Task.id.desc())
    if sort == "created":
        return query.order_by(Task.created_at, Task.id)
    return query.order_by(Task.due_on.asc(), Task.id)


def filtered_queue(user: User, f: QueueFilter) -> Select[Task]:
    """The queue page's list: `queue_query` under a checked `QueueFilter`."""
    return queue_query(user, procedure=f.procedure, state=f.state, sort=f.sort, q=f.q)


def _after(sort: str, done: Task) -> ColumnElement[bool] | None:
    """Tasks that come after `done` in the queue's order (None: no place to start from)."""
    if sort == "created":
        return tuple_(Task.created_at, Task.id) > tuple_(done.created_at, done.id)
    if done.due_on is None:
        return None
    if sort == "-due":
        return tuple_(Task.due_on, Task.id) < tuple_(done.due_on, done.id)
    return tuple_(Task.due_on, Task.id) > tuple_(done.due_on, done.id)


def next_task(user: User, f: QueueFilter, done: Task | None) -> Task | None:
    """下一件: the first task after the finished one in the same filter and order that the
    user may take (not claimed by someone else); past the end, the queue's first."""
    mine = filtered_queue(user, f).where(
        or_(Task.claimed_by_id.is_(None), Task.claimed_by_id == user.id)
    )
    if done is not None:
        mine = mine.where(Task.id != done.id)
        later = _after(f.sort, done)
        if later is not None and (found := db.session.scalars(mine.where(later)).first()):
            return found
    return db.session.scalars(mine).first()


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
