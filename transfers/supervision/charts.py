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
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, func, literal, not_, null, or_, select, union_all
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


def _open_work(
    node: Jurisdiction, today: date, kids: list[Jurisdiction]
) -> list[tuple[str, int, int, int]]:
    """(procedure, child id, open cases, overdue tasks) over the open cases under the node:
    both bar charts from one pass. The child is the first child holding the open task's
    office or the case (0: the node's own offices).

    A case has at most one open task, so the outer join keeps one row per case. The
    grouping runs over a subquery so PostgreSQL sees one key expression, not two with
    different bound parameters."""
    overdue = case((and_(Task.id.is_not(None), Task.due_on < today), 1), else_=0)
    if kids:
        child: Any = case(
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
    else:
        child = literal(0)
    row = select(Case.procedure.label("p"), child.label("k"), overdue.label("late"))
    with_task = row.select_from(Case).outerjoin(
        Task, and_(Task.case_id == Case.id, Task.closed_at.is_(None))
    )
    if _everything(node):
        sub: Any = with_task.where(Case.closed_at.is_(None))
    else:
        # The area's open cases with their open task, then the open tasks of the area's
        # offices on cases elsewhere: two index ranges, disjoint, so nothing to merge.
        # "Elsewhere" is a lookup in the first range's ids, so only those tasks read
        # their case.
        in_area = (Case.closed_at.is_(None), _under(Case.jurisdiction_path, node.path))
        area_ids = select(Case.id).where(*in_area)
        sub = union_all(
            with_task.where(*in_area),
            row.select_from(Task)
            .join(Case, Case.id == Task.case_id)
            .where(
                Task.closed_at.is_(None),
                _under(Task.jurisdiction_path, node.path),
                Task.case_id.not_in(area_ids),
                Case.closed_at.is_(None),
            ),
        )
    sub = sub.subquery()
    q = select(sub.c.p, sub.c.k, func.count(), func.coalesce(func.sum(sub.c.late), 0)).group_by(
        sub.c.p, sub.c.k
    )
    return [(p, int(k), int(n), int(late)) for p, k, n, late in db.session.execute(q).all()]


def _bars(
    node: Jurisdiction, kids: list[Jurisdiction], rows: list[tuple[str, int, int, int]]
) -> tuple[list[Bar], list[Bar]]:
    """The two bar charts (by procedure, by child) from (procedure, child, open, overdue)."""
    procs: dict[str, list[int]] = {}
    places: dict[int, list[int]] = {}
    for p, k, n, late in rows:
        for key, sums in ((p, procs), (k, places)):
            acc = sums.setdefault(key, [0, 0])  # type: ignore[arg-type]
            acc[0] += n
            acc[1] += late
    by_proc = [Bar(name, p.label, *procs[name]) for name, p in PROCEDURES.items() if name in procs]
    if not kids:
        return by_proc, []
    bars = [Bar(str(c.id), c.name, *places.get(c.id, (0, 0))) for c in kids]
    if 0 in places:  # offices of the node itself (e.g. the township's police station)
        bars.append(Bar("", node.name, *places[0]))
    return by_proc, bars


def by_procedure(node: Jurisdiction, today: date) -> list[Bar]:
    kids = children(node)
    return _bars(node, kids, _open_work(node, today, kids))[0]


def by_jurisdiction(node: Jurisdiction, today: date) -> list[Bar]:
    kids = children(node)
    return _bars(node, kids, _open_work(node, today, kids))[1]


def _week_bucket(day: ColumnElement[Any], starts: list[Any]) -> ColumnElement[int]:
    return case(
        *[(day < s, i - 1) for i, s in enumerate(starts[1:], start=1)], else_=len(starts) - 1
    )


def week_starts(today: date, weeks: int = WEEKS) -> list[date]:
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    return [first + timedelta(weeks=i) for i in range(weeks)]


def local_midnight(day: date) -> datetime:
    """The instant a local calendar day starts: comparing instants with it needs no
    per-row time zone conversion (China has had no daylight saving since 1991)."""
    return datetime.combine(day, time(), LOCAL_TZ)


def _case_weeks(column: Any, starts: list[date]) -> ColumnElement[int]:
    """The week of `starts` in which the local day of the instant `column` falls, else
    NULL: the same as bucketing ``LocalDate(column)``, with instant comparisons."""
    bounds = [local_midnight(s) for s in starts] + [local_midnight(starts[-1] + timedelta(weeks=1))]
    return case(
        (or_(column.is_(None), column < bounds[0], column >= bounds[-1]), null()),
        else_=_week_bucket(column, bounds[:-1]),
    )


def became_overdue(today: date, starts: list[date]) -> tuple[ColumnElement[bool], ...]:
    """Tasks that became overdue in the weeks of `starts`: a task becomes overdue on the
    day after its due date, if still open by then."""
    end = starts[-1] + timedelta(weeks=1)
    return (
        Task.due_on >= starts[0] - timedelta(days=1),
        Task.due_on < min(end - timedelta(days=1), today),
        or_(Task.closed_at.is_(None), LocalDate(Task.closed_at) > Task.due_on),
    )


def became_overdue_week(today: date, starts: list[date]) -> ColumnElement[int]:
    return _week_bucket(Task.due_on, [s - timedelta(days=1) for s in starts])


def weekly(node: Jurisdiction, today: date, weeks: int = WEEKS) -> list[Week]:
    starts = week_starts(today, weeks)
    first = starts[0]
    end = starts[-1] + timedelta(weeks=1)
    since, until = local_midnight(first), local_midnight(end)
    in_node = _under(Case.jurisdiction_path, node.path)

    # Opened and completed in one pass over the node's cases.
    sub = (
        select(
            _case_weeks(Case.opened_at, starts).label("o"),
            _case_weeks(Case.closed_at, starts).label("c"),
        )
        .where(
            in_node,
            or_(
                and_(Case.opened_at >= since, Case.opened_at < until),
                and_(Case.closed_at >= since, Case.closed_at < until),
            ),
        )
        .subquery()
    )
    opened, completed = [0] * weeks, [0] * weeks
    for o, c, n in db.session.execute(
        select(sub.c.o, sub.c.c, func.count()).group_by(sub.c.o, sub.c.c)
    ):
        if o is not None:
            opened[o] += n
        if c is not None:
            completed[c] += n

    became = (
        select(became_overdue_week(today, starts).label("w"))
        .select_from(Task)
        .where(*became_overdue(today, starts))
    )
    if not _everything(node):
        # Tasks of the node's offices, then of its cases at offices elsewhere: two index
        # ranges, disjoint, so nothing to merge (and the first needs no case).
        at_office = _under(Task.jurisdiction_path, node.path)
        became = union_all(
            became.where(at_office),
            became.join(Case, Case.id == Task.case_id).where(in_node, not_(at_office)),
        )
    sub = became.subquery()
    counts = dict(db.session.execute(select(sub.c.w, func.count()).group_by(sub.c.w)).all())
    late_weeks = [int(counts.get(i, 0)) for i in range(weeks)]
    return [
        Week(s, o, c, late)
        for s, o, c, late in zip(starts, opened, completed, late_weeks, strict=True)
    ]


def dashboard_charts(node: Jurisdiction, today: date) -> Charts:
    kids = children(node)
    procs, places = _bars(node, kids, _open_work(node, today, kids))
    return Charts(by_procedure=procs, by_jurisdiction=places, weeks=weekly(node, today))
