"""Data for the supervisors' dashboard charts: open and overdue work by procedure and by
child jurisdiction, and a weekly trend (opened / completed / became overdue).

Each chart is one aggregate query scoped to the jurisdiction being looked at (a node
within the supervisor's area, see ``views._node``); counting rules match the overdue
list (``services.overdue_query``): an open task counts under a jurisdiction when its
office or its case lies there. Dates are bucketed by the local (China) calendar day in
SQL, portably for SQLite and PostgreSQL (see ``LocalDate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, func, literal, or_, select, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from transfers.cases.models import Case
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from transfers.supervision.services import _covers_everything, _prefixed, children
from transfers.tasks.models import Task
from workflows.calendar import LOCAL_TZ
from workflows.registry import PROCEDURES

WEEKS = 12


class LocalDate(FunctionElement[date]):
    """The local calendar day of a UTC timestamp column."""

    type = Date()
    inherit_cache = True
    name = "local_date"


@compiles(LocalDate, "postgresql")
def _local_date_pg(element: LocalDate, compiler: Any, **kw: Any) -> str:
    (col,) = element.clauses
    return f"CAST(timezone('{LOCAL_TZ.key}', {compiler.process(col, **kw)}) AS DATE)"


@compiles(LocalDate)
def _local_date_default(element: LocalDate, compiler: Any, **kw: Any) -> str:
    # SQLite stores instants as UTC text; China has had no daylight saving since 1991.
    (col,) = element.clauses
    return f"date({compiler.process(col, **kw)}, '+8 hours')"


@dataclass
class Bar:
    key: str  # procedure name or jurisdiction id ("" for the node's own offices)
    label: str
    open: int  # open cases
    overdue: int  # open tasks past their due date


@dataclass
class Week:
    start: date  # Monday
    opened: int
    completed: int
    overdue: int  # tasks whose first overdue day fell in the week


@dataclass
class Charts:
    by_procedure: list[Bar]
    by_jurisdiction: list[Bar]
    weeks: list[Week]

    @property
    def empty(self) -> bool:
        return not any(b.open or b.overdue for b in self.by_procedure) and not any(
            w.opened or w.completed or w.overdue for w in self.weeks
        )


def _under(column: Any, path: str) -> ColumnElement[bool]:
    """`column` lies under `path`: an index range on SQLite too (see ``_prefixed``)."""
    return _prefixed(column, path)


def _child_test(column: Any, path: str) -> ColumnElement[bool]:
    """The same test for a child in a CASE, once per row: on SQLite the range alone
    (exact under its binary collation, path ends with "/"), not a LIKE as well."""
    if db.session.get_bind().dialect.name == "sqlite" and path.endswith("/"):
        return and_(column >= path, column < path[:-1] + "0")
    return column.startswith(path, autoescape=True)


def _everything(node: Jurisdiction) -> bool:
    """Whether every jurisdiction lies under the node: then it needs no area condition."""
    return _covers_everything([node.path])


def _open_work(node: Jurisdiction, today: date, key: Any) -> list[tuple[Any, int, int]]:
    """(key, open cases, overdue tasks) per key over the open cases under the node.

    A case has at most one open task, so the outer join keeps one row per case. The
    grouping runs over a subquery so PostgreSQL sees one key expression, not two with
    different bound parameters."""
    overdue = case((and_(Task.id.is_not(None), Task.due_on < today), 1), else_=0)
    sub = (
        select(key.label("k"), overdue.label("late"))
        .select_from(Case)
        .outerjoin(Task, and_(Task.case_id == Case.id, Task.closed_at.is_(None)))
        .where(Case.closed_at.is_(None))
    )
    if not _everything(node):
        # Two index ranges (open cases by path, open tasks by office path), not an OR
        # across the join that reads every open case.
        ids = union(
            select(Case.id).where(Case.closed_at.is_(None), _under(Case.jurisdiction_path, node.path)),
            select(Task.case_id).where(
                Task.closed_at.is_(None), _under(Task.jurisdiction_path, node.path)
            ),
        )
        sub = sub.where(Case.id.in_(ids))
    sub = sub.subquery()
    q = select(sub.c.k, func.count(), func.coalesce(func.sum(sub.c.late), 0)).group_by(sub.c.k)
    return [(k, int(n), int(late)) for k, n, late in db.session.execute(q).all()]


def by_procedure(node: Jurisdiction, today: date) -> list[Bar]:
    counts = {k: (n, late) for k, n, late in _open_work(node, today, Case.procedure)}
    return [
        Bar(name, p.label, *counts.get(name, (0, 0)))
        for name, p in PROCEDURES.items()
        if name in counts
    ]


def by_jurisdiction(node: Jurisdiction, today: date) -> list[Bar]:
    kids = children(node)
    if not kids:
        return []
    child = case(
        *[
            (
                or_(
                    _child_test(Task.jurisdiction_path, c.path),
                    _child_test(Case.jurisdiction_path, c.path),
                ),
                literal(c.id),
            )
            for c in kids
        ],
        else_=literal(0),
    )
    counts = {k: (n, late) for k, n, late in _open_work(node, today, child)}
    bars = [Bar(str(c.id), c.name, *counts.get(c.id, (0, 0))) for c in kids]
    if 0 in counts:  # offices of the node itself (e.g. the township's police station)
        bars.append(Bar("", node.name, *counts[0]))
    return bars


def _week_bucket(day: ColumnElement[date], starts: list[date]) -> ColumnElement[int]:
    return case(
        *[(day < s, i - 1) for i, s in enumerate(starts[1:], start=1)], else_=len(starts) - 1
    )


def weekly(node: Jurisdiction, today: date, weeks: int = WEEKS) -> list[Week]:
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    starts = [first + timedelta(weeks=i) for i in range(weeks)]
    end = starts[-1] + timedelta(weeks=1)
    in_node = _under(Case.jurisdiction_path, node.path)

    def per_week(q: Any) -> list[int]:
        sub = q.subquery()
        rows = db.session.execute(select(sub.c.w, func.count()).group_by(sub.c.w)).all()
        counts = {w: n for w, n in rows}
        return [int(counts.get(i, 0)) for i in range(weeks)]

    def cases_by(column: Any) -> list[int]:
        day = LocalDate(column)
        return per_week(
            select(_week_bucket(day, starts).label("w")).where(
                in_node, column.is_not(None), day >= first, day < end
            )
        )

    opened = cases_by(Case.opened_at)
    completed = cases_by(Case.closed_at)
    # A task becomes overdue on the day after its due date, if still open by then.
    due_bucket = _week_bucket(Task.due_on, [s - timedelta(days=1) for s in starts])
    due_range = (
        Task.due_on >= first - timedelta(days=1),
        Task.due_on < min(end - timedelta(days=1), today),
    )
    became = select(due_bucket.label("w")).select_from(Task).where(
        *due_range,
        or_(Task.closed_at.is_(None), LocalDate(Task.closed_at) > Task.due_on),
    )
    if not _everything(node):
        # Tasks of the node's cases, or of its offices: two index ranges, not an OR.
        ids = union(
            select(Task.id).join(Case, Case.id == Task.case_id).where(in_node, *due_range),
            select(Task.id).where(_under(Task.jurisdiction_path, node.path), *due_range),
        )
        became = became.where(Task.id.in_(ids))
    became_overdue = per_week(became)
    return [
        Week(s, o, c, late)
        for s, o, c, late in zip(starts, opened, completed, became_overdue, strict=True)
    ]


def dashboard_charts(node: Jurisdiction, today: date) -> Charts:
    return Charts(
        by_procedure=by_procedure(node, today),
        by_jurisdiction=by_jurisdiction(node, today),
        weeks=weekly(node, today),
    )
