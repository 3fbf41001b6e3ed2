"""Who may act on a task: role AND exact jurisdiction AND open state AND claim.

The same functions decide whether a button is shown and whether the POST is accepted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from transfers.auth.models import User


class TaskLike(Protocol):
    """What these checks read of a task: the ORM `Task`, or the engine's `OpenTask`."""

    @property
    def role(self) -> str: ...
    @property
    def jurisdiction_id(self) -> int: ...
    @property
    def claimed_by_id(self) -> int | None: ...
    @property
    def closed_at(self) -> datetime | None: ...


def holds(user: User, role: str, jurisdiction_id: int) -> bool:
    return any(g.role == role and g.jurisdiction_id == jurisdiction_id for g in user.grants)


def can_act(user: User, task: TaskLike | None) -> bool:
    """An office acts for its own area only; a claim by someone else blocks others."""
    if task is None or not user.is_authenticated or task.closed_at is not None:
        return False
    if task.claimed_by_id is not None and task.claimed_by_id != user.id:
        return False
    return holds(user, task.role, task.jurisdiction_id)


def can_claim(user: User, task: TaskLike | None) -> bool:
    return can_act(user, task) and task is not None and task.claimed_by_id is None


def can_release(user: User, task: TaskLike | None) -> bool:
    return (
        task is not None
        and task.closed_at is None
        and task.claimed_by_id == user.id
        and holds(user, task.role, task.jurisdiction_id)
    )
