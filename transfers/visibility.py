"""What a user may see, as SQL: the one definition every list, search, export, API
collection, dashboard and drill-down filters by.

A user sees what lies within the areas of their role grants. A jurisdiction's `path`
(`41/4112/411221/`) makes "within an area" a prefix match. A household is within an
area when either end of its move is; a case when its own place, either end of its
household's move or the office of one of its tasks is; a task when its office is.
The Python twins for one object at hand (`can_view_case`, `can_view_household`) live in
`transfers.cases.permissions` and answer the same question.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true

from transfers.auth.models import User
from transfers.cases.models import Case, Intake
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.jurisdictions.models import Jurisdiction
from transfers.tasks.models import Task
from workflows.idcard import normalize


def user_paths(user: User) -> list[str]:
    """The paths of the areas of the user's grants (none for an anonymous user)."""
    if not user.is_authenticated:
        return []
    return [g.jurisdiction.path for g in user.grants]


def within_paths(column: Any, paths: list[str]) -> ColumnElement[bool]:
    """`column` (a jurisdiction path) lies within one of `paths`; false for none."""
    if not paths:
        return false()
    if _covers_everything(paths):
        # Left out, the planner may walk the index of the query's order and stop at a
        # page (a province's overdue list: 0.04 s instead of 0.3 s at 100,000 persons).
        return true()
    return or_(*[_prefixed(column, p) for p in paths])


def _covers_everything(paths: list[str]) -> bool:
    """Whether every jurisdiction lies within `paths` (a province's supervisor in the
    province's database). The top jurisdictions are read once per session."""
    roots: list[str] | None = db.session.info.get("jurisdiction_roots")
    if not roots:
        roots = list(
            db.session.scalars(select(Jurisdiction.path).where(Jurisdiction.parent_id.is_(None)))
        )
        db.session.info["jurisdiction_roots"] = roots
    return bool(roots) and all(any(r.startswith(p) for p in paths) for r in roots)


def _prefixed(column: Any, path: str) -> ColumnElement[bool]:
    """`column` starts with `path`. PostgreSQL turns the LIKE into an index range itself
    (varchar_pattern_ops); SQLite does not when LIKE has an ESCAPE, so it also gets the
    range, which is exact under its binary collation (a path ends with "/", and "0"
    follows "/"). bench/latency.py: the county dashboard's open-steps count read every
    open task of the province without it (0.4 s of a 0.8 s page at 100,000 persons)."""
    like: ColumnElement[bool] = column.startswith(path, autoescape=True)
    if not path.endswith("/") or db.session.get_bind().dialect.name != "sqlite":
        return like
    return and_(column >= path, column < path[:-1] + "0", like)


def _jurisdictions_within(paths: list[str]) -> Select[Any]:
    return select(Jurisdiction.id).where(within_paths(Jurisdiction.path, paths))


def households_condition(paths: list[str]) -> ColumnElement[bool]:
    """Households whose origin or destination lies within `paths`."""
    places = _jurisdictions_within(paths)
    return or_(
        Household.destination_jurisdiction_id.in_(places),
        Household.origin_jurisdiction_id.in_(places),
    )


def visible_households(user: User) -> Select[Household]:
    return select(Household).where(households_condition(user_paths(user)))


def cases_condition(paths: list[str]) -> ColumnElement[bool]:
    """Cases whose own place, household or one of whose tasks lies within `paths`."""
    households = select(Household.id).where(households_condition(paths))
    task_cases = select(Task.case_id).where(within_paths(Task.jurisdiction_path, paths))
    return or_(
        within_paths(Case.jurisdiction_path, paths),
        Case.household_id.in_(households),
        Case.id.in_(task_cases),
    )


def visible_cases(user: User) -> Select[Case]:
    return select(Case).where(cases_condition(user_paths(user)))


def visible_tasks(user: User) -> Select[Task]:
    """Tasks whose office lies within the user's areas (queues filter further by role)."""
    return select(Task).where(within_paths(Task.jurisdiction_path, user_paths(user)))


def person_search(text: str) -> ColumnElement[bool]:
    """People matching a search box: their name, pinyin initials, full ID number or
    its last digits (four or more)."""
    q = text.strip()
    number = normalize(q)
    return or_(
        Person.name.contains(q, autoescape=True),
        Person.name_initials.startswith(q.lower(), autoescape=True),
        Person.id_number == number,
        Person.id_number.endswith(number, autoescape=True) if len(number) >= 4 else false(),
    )


def household_search(text: str) -> ColumnElement[bool]:
    """Households matching a search box: a member matching `person_search`, or a
    receipt number of the household."""
    people = select(Person.household_id).where(person_search(text))
    receipts = select(Intake.household_id).where(Intake.receipt_no == text.strip())
    return or_(Household.id.in_(people), Household.id.in_(receipts))
