"""The one definition of every supervision count.

A *step* is a task: one office's turn on a case. The jurisdiction rule: **a step counts
under the jurisdiction of its office** (``Task.jurisdiction_path``), never under its
case's place. The office is who has to act, whom a 催办单 or 督办单 is addressed to, and
whose township escalations go to; so the home page, the dashboard and its charts and
tables, the drill-down pages, the snapshots, the ledgers, the overdue list, the API and
the exports all count a step in one place, and a parent's figure is the sum of its
children's plus its own offices'.

- open step: not closed (``closed_at`` is NULL);
- overdue step: an open step whose due date is before today (the first overdue day is
  the day after the due date);
- late step: done after its due date, or still open after it (period figures);
- on time (a case): closed with no late step.

Cases (opened, closed, on time) count under the case's own place: they are opened at
the window of that place.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select

from transfers.deadlines.models import Escalation, EscalationLevel
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from transfers.tasks.models import Task
from transfers.visibility import within_paths
from workflows.calendar import local_date
from workflows.i18n import N_

# Where a step counts (the jurisdiction rule).
STEP_PLACE = Task.jurisdiction_path


def open_step() -> tuple[ColumnElement[bool], ...]:
    return (Task.closed_at.is_(None),)


def overdue_step(today: date) -> tuple[ColumnElement[bool], ...]:
    return (Task.closed_at.is_(None), Task.due_on < today)


def steps_within(paths: list[str]) -> ColumnElement[bool]:
    """Steps counted under one of the jurisdictions `paths` (false for none)."""
    return within_paths(STEP_PLACE, paths)


def overdue_steps(paths: list[str], today: date) -> Select[Task]:
    """The overdue steps counted under `paths`: every overdue figure counts these."""
    return select(Task).where(*overdue_step(today), steps_within(paths))


def open_steps(paths: list[str]) -> Select[Task]:
    return select(Task).where(*open_step(), steps_within(paths))


def count(q: Select[Any]) -> int:
    """The number of rows `q` selects."""
    return db.session.scalar(select(func.count()).select_from(q.order_by(None).subquery())) or 0


def count_overdue(paths: list[str], today: date) -> int:
    return count(overdue_steps(paths, today))


def is_late(due_on: date | None, closed_at: datetime | None, end_day: date) -> bool:
    """A step is late when done after its due date, or still open after it on `end_day`."""
    if due_on is None:
        return False
    done_day = local_date(closed_at) if closed_at is not None else end_day
    return done_day > due_on


def child_of(node: Jurisdiction, kids: list[Jurisdiction]) -> Callable[[str | None], int | None]:
    """Which child of `node` a step at `place` counts under (None: the node's own offices
    or outside it): the child whose path starts the place."""
    by_path = {c.path: c.id for c in kids}
    depth = node.path.count("/")

    def child(place: str | None) -> int | None:
        if not place or not place.startswith(node.path):
            return None
        return by_path.get("/".join(place.split("/")[: depth + 1]) + "/")

    return child


# --- the dashboard's figures over overdue steps ---------------------------------------------
BUCKETS: list[tuple[str, str, int, int | None]] = [
    ("1-5", N_("超期1–5天"), 1, 5),
    ("6-15", N_("超期6–15天"), 6, 15),
    ("16-30", N_("超期16–30天"), 16, 30),
    ("31+", N_("超期30天以上"), 31, None),
]
LEVEL_LABELS = {"none": N_("未催办"), "township": N_("已催办"), "district": N_("已督办")}


def level_expr() -> ColumnElement[str]:
    """The highest escalation of an overdue step: district, township or none.

    One correlated aggregate per step (an index-only probe of its escalations), not an
    EXISTS per level: PostgreSQL had hashed the whole district level for the first."""
    rank = case(
        (Escalation.level == EscalationLevel.DISTRICT.value, 2),
        (Escalation.level == EscalationLevel.TOWNSHIP.value, 1),
        else_=0,
    )
    highest = func.max(rank)
    return (
        select(case((highest == 2, "district"), (highest == 1, "township"), else_="none"))
        .where(Escalation.task_id == Task.id)
        .scalar_subquery()
    )


def bucket_expr(today: date) -> ColumnElement[str]:
    """How long an overdue step has been overdue, as a key of ``BUCKETS``."""
    whens = []
    for key, _label, lo, hi in BUCKETS:
        cond = Task.due_on <= today - timedelta(days=lo)
        if hi is not None:
            cond = and_(cond, Task.due_on >= today - timedelta(days=hi))
        whens.append((cond, key))
    return case(*whens, else_="31+")
