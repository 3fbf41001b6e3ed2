"""Data for the supervisors' dashboard charts: open and overdue steps by procedure and by
child jurisdiction, and a weekly trend (cases opened / completed, steps became overdue).

Each chart is one aggregate query scoped to the jurisdiction being looked at (a node
within the supervisor's area, see ``views._node``); what counts and where is
``measures``'s: a step under its office, a case under its own place. Dates are
bucketed by the local (China) calendar day in SQL, portably for SQLite and
PostgreSQL (see ``LocalDate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, func, null, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from transfers.cases.models import Case
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from transfers.supervision import measures
from transfers.supervision.scope import children
from transfers.tasks.models import Task
from transfers.visibility import within_paths
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
    open: int  # open steps
    overdue: int  # overdue steps


@dataclass
class Week:
    start: date  # Monday
    opened: int
    completed: int
    overdue: int  # steps whose first overdue day fell in the week


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


def _open_work(node: Jurisdiction, today: date) -> list[tuple[str, int, int, int]]:
    """(procedure, child id, open steps, overdue steps) of the node's open steps: both bar
    charts from one pass. A step counts under the child holding its office (0: the
    node's own offices), as on the dashboard (``measures``)."""
    late = case((Task.due_on < today, 1), else_=0)
    place = measures.STEP_PLACE
    q = (
        select(Task.procedure, place, func.count(), func.coalesce(func.sum(late), 0))
        .where(*measures.open_step(), measures.steps_within([node.path]))
        .group_by(Task.procedure, place)
    )
    child_of = measures.child_of(node, children(node))
    return [
        (p, child_of(path) or 0, int(n), int(n_late))
        for p, path, n, n_late in db.session.execute(q).all()
    ]


def bars(
    node: Jurisdiction, kids: list[Jurisdiction], rows: list[tuple[str, int, int, int]]
) -> tuple[list[Bar], list[Bar]]:
    """The two bar charts (by procedure, by child) from (procedure, child, open, overdue)."""
    procs: dict[str, list[int]] = {}
    places: dict[int, list[int]] = {}
    for p, k, n, late in rows:
        for acc in (procs.setdefault(p, [0, 0]), places.setdefault(k, [0, 0])):
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
    return bars(node, children(node), _open_work(node, today))[0]


def by_jurisdiction(node: Jurisdiction, today: date) -> list[Bar]:
    return bars(node, children(node), _open_work(node, today))[1]


def _week_bucket(day: Any, starts: list[Any]) -> ColumnElement[int]:
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


def case_weeks(column: Any, starts: list[date]) -> ColumnElement[int]:
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
    in_node = within_paths(Case.jurisdiction_path, [node.path])

    # Opened and completed in one pass over the node's cases.
    sub = (
        select(
            case_weeks(Case.opened_at, starts).label("o"),
            case_weeks(Case.closed_at, starts).label("c"),
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
        .where(*became_overdue(today, starts), measures.steps_within([node.path]))
    )
    sub = became.subquery()
    counts: dict[int, int] = dict(
        db.session.execute(select(sub.c.w, func.count()).group_by(sub.c.w)).all()
    )
    late_weeks = [int(counts.get(i, 0)) for i in range(weeks)]
    return [
        Week(s, o, c, late)
        for s, o, c, late in zip(starts, opened, completed, late_weeks, strict=True)
    ]


def dashboard_charts(node: Jurisdiction, today: date) -> Charts:
    procs, places = bars(node, children(node), _open_work(node, today))
    return Charts(by_procedure=procs, by_jurisdiction=places, weeks=weekly(node, today))
