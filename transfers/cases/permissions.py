"""Who may see a case, and who may open cases for a household."""

from __future__ import annotations

from typing import TYPE_CHECKING

from transfers.auth.models import User
from transfers.households.models import Household
from transfers.visibility import user_paths
from workflows.roles import Role

if TYPE_CHECKING:
    from transfers.cases.models import Case


def grant_paths(user: User) -> list[str]:
    """The areas of the user's grants (the same as `transfers.visibility.user_paths`)."""
    return user_paths(user)


def within(user: User, *paths: str) -> bool:
    """True when one of the user's grants covers one of `paths` (a prefix match)."""
    mine = grant_paths(user)
    return any(p.startswith(m) for m in mine for p in paths if p)


def can_view_household(user: User, household: Household) -> bool:
    if not user.is_authenticated:
        return False
    return within(user, household.destination.path, household.origin.path)


def can_view_case(user: User, case: Case, task_paths: tuple[str, ...] = ()) -> bool:
    """Offices and supervisors whose area covers the case, either end, or a task of it."""
    if not user.is_authenticated:
        return False
    # The case's own paths first: the household's two ends are read only when needed.
    if within(user, case.jurisdiction_path, *task_paths):
        return True
    return within(user, case.household.origin.path, case.household.destination.path)


def can_open_cases(user: User, household: Household) -> bool:
    """The one window: staff of the destination or origin village/community."""
    if not user.is_authenticated:
        return False
    return any(
        g.role == Role.VILLAGE_STAFF
        and g.jurisdiction_id
        in (household.destination_jurisdiction_id, household.origin_jurisdiction_id)
        for g in user.grants
    )


def can_register_households(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.VILLAGE_STAFF)
