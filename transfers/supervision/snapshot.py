"""Snapshots of the overdue dashboard of large jurisdictions, refreshed by the scheduler.

A province's dashboard counts ~70,000 overdue tasks five ways and its charts ~600,000
open cases and twelve weeks of opened/closed cases: ~0.5–1 s live at 400,000 persons,
more than the 200 ms a page may take. The scheduler computes the unfiltered dashboard
(counts and charts) of every province and city node once a minute (``refresh``); the page
shows it with the time it was computed ("数据截至 HH:MM") while it is fresh (``load``).
Filtered views, counties and below stay live: their index ranges are small.

All nodes come from one pass per figure over the province's rows (``compute_all``), each
row counted for every node whose area holds it: counting each node alone read the
province's rows eleven times (28–148 s at 400,000 persons, longer than the minute).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, text

from transfers.cases.models import Case
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from transfers.supervision import charts, measures
from transfers.supervision.charts import Bar, Charts, Week, dashboard_charts
from transfers.supervision.dashboard import OFFICES_SHOWN, Dashboard, assemble, dashboard
from transfers.supervision.models import DashboardSnapshot
from transfers.supervision.overdue import OverdueFilter
from transfers.supervision.scope import children
from transfers.tasks.models import Task
from workflows.roles import Level

LEVELS = (Level.PROVINCE.value, Level.CITY.value)
# Older than this (the scheduler stopped), the page counts live again.
MAX_AGE = timedelta(minutes=5)


def _dump(board: Dashboard, charts: Charts) -> dict[str, Any]:
    return {
        "total": board.total,
        "by_procedure": [list(x) for x in board.by_procedure],
        "by_jurisdiction": [[j.id if j else None, n] for j, n in board.by_jurisdiction],
        "by_bucket": {k: n for k, _label, n in board.by_bucket},
        "by_level": {k: n for k, _label, n in board.by_level},
        "by_office": [
            {
                **{k: v for k, v in r.items() if k != "jurisdiction"},
                "jurisdiction_id": r["jurisdiction"].id,
            }
            for r in board.by_office
        ],
        "charts": {
            "by_procedure": [asdict(b) for b in charts.by_procedure],
            "by_jurisdiction": [asdict(b) for b in charts.by_jurisdiction],
            "weeks": [
                [w.start.isoformat(), w.opened, w.completed, w.overdue] for w in charts.weeks
            ],
        },
    }


def _load(data: dict[str, Any]) -> tuple[Dashboard, Charts]:
    ids = {j for j, _n in data["by_jurisdiction"] if j} | {
        r["jurisdiction_id"] for r in data["by_office"]
    }
    places = {
        j.id: j for j in db.session.scalars(select(Jurisdiction).where(Jurisdiction.id.in_(ids)))
    }
    offices = []
    for r in data["by_office"]:
        row = {k: v for k, v in r.items() if k != "jurisdiction_id"}
        row["jurisdiction"] = places[r["jurisdiction_id"]]
        offices.append(row)
    buckets, levels = data["by_bucket"], data["by_level"]
    board = Dashboard(
        total=data["total"],
        by_procedure=[(k, n) for k, n in data["by_procedure"]],
        by_jurisdiction=[(places[j] if j else None, n) for j, n in data["by_jurisdiction"]],
        by_bucket=[(k, label, buckets.get(k, 0)) for k, label, _lo, _hi in measures.BUCKETS],
        by_level=[(k, label, levels.get(k, 0)) for k, label in measures.LEVEL_LABELS.items()],
        by_office=offices,
    )
    c = data["charts"]
    charts = Charts(
        by_procedure=[Bar(**b) for b in c["by_procedure"]],
        by_jurisdiction=[Bar(**b) for b in c["by_jurisdiction"]],
        weeks=[Week(date.fromisoformat(s), o, done, late) for s, o, done, late in c["weeks"]],
    )
    return board, charts


def compute(node: Jurisdiction, today: date) -> dict[str, Any]:
    """The unfiltered dashboard of `node` (its whole area), as stored, counted live."""
    board = dashboard(None, today, OverdueFilter(node=node.path), node, paths=[node.path])
    return _dump(board, dashboard_charts(node, today))


def refresh(today: date, now: datetime) -> int:
    """Recompute the snapshot of every province and city node; the caller commits."""
    nodes = db.session.scalars(
        select(Jurisdiction).where(Jurisdiction.level.in_(LEVELS)).order_by(Jurisdiction.path)
    ).all()
    for node, data in compute_all(list(nodes), today).items():
        snap = db.session.get(DashboardSnapshot, node.id)
        if snap is None:
            db.session.add(
                DashboardSnapshot(jurisdiction_id=node.id, day=today, computed_at=now, data=data)
            )
        else:
            snap.day, snap.computed_at, snap.data = today, now, data
    db.session.flush()
    return len(nodes)


class _Areas:
    """Which of the nodes hold a path, and which child of a node does: memoized, since
    ~70,000 overdue tasks and ~600,000 open cases share a few thousand paths."""

    def __init__(self, nodes: list[Jurisdiction]) -> None:
        self.nodes = {n.path: (n.id, n.path) for n in nodes}
        self.kids = {n.id: children(n) for n in nodes}
        self._holding: dict[str | None, tuple[tuple[int, str], ...]] = {None: ()}
        self._kid_paths = {id_: [(c.id, c.path) for c in kids] for id_, kids in self.kids.items()}
        self._child: dict[tuple[int, str | None], int | None] = {}

    def holding(self, path: str | None) -> tuple[tuple[int, str], ...]:
        """The nodes (id, path) whose area holds `path` (the path lies under them)."""
        if path not in self._holding:
            assert path is not None
            cuts = [i + 1 for i, ch in enumerate(path) if ch == "/"] or [len(path)]
            self._holding[path] = tuple(
                self.nodes[path[:i]] for i in cuts if path[:i] in self.nodes
            )
        return self._holding[path]

    def child(self, node_id: int, path: str | None) -> int | None:
        """The child of the node that holds `path` (None: none of them)."""
        key = (node_id, path)
        if key not in self._child:
            self._child[key] = next(
                (id_ for id_, p in self._kid_paths[node_id] if path and path.startswith(p)),
                None,
            )
        return self._child[key]


def _grandchild_cut(nodes: list[Jurisdiction]) -> Any:
    """A SQL expression cutting a path to the depth of the nodes' children (a county for
    a city), when every path's first characters are its ancestor there; else the whole
    path. Grouping by it leaves ~100 values instead of ~6,000."""
    depth = max(n.path.count("/") for n in nodes) + 1
    paths = db.session.scalars(select(Jurisdiction.path)).all()
    lengths = {len(p) for p in paths if p.count("/") == depth}
    if len(lengths) != 1:
        return lambda column: column
    (cut,) = lengths
    for p in paths:
        parts = p.split("/")
        expected = "/".join(parts[:depth]) + "/" if p.count("/") >= depth else p
        if p[:cut] != expected:
            return lambda column: column
    return lambda column: func.substr(column, 1, cut)


def compute_all(nodes: list[Jurisdiction], today: date) -> dict[Jurisdiction, dict[str, Any]]:
    """The unfiltered dashboard of each node, as stored: the same numbers as ``compute``
    per node (a test holds them equal), from one pass over the province's rows per
    figure instead of one per node. Each step counts for every node holding its office,
    under the child holding it, as the live queries count (``measures``)."""
    if not nodes:
        return {}
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
    areas = _Areas(nodes)
    cut = _grandchild_cut(nodes)
    boards = _boards(nodes, areas, today)
    work = _open_work(nodes, areas, today, cut)
    weeks = _weeks(nodes, areas, today, cut)
    result = {}
    for node in nodes:
        kids = areas.kids[node.id]
        rows = [(p, k, n, late) for (p, k), (n, late) in work[node.id].items()]
        procs, places = charts.bars(node, kids, rows)
        starts, opened, completed, became = weeks[node.id]
        result[node] = _dump(
            boards[node.id],
            Charts(
                by_procedure=procs,
                by_jurisdiction=places,
                weeks=[
                    Week(s, o, c, b)
                    for s, o, c, b in zip(starts, opened, completed, became, strict=True)
                ],
            ),
        )
    return result


def _boards(nodes: list[Jurisdiction], areas: _Areas, today: date) -> dict[int, Dashboard]:
    """The overdue figures of every node from one read of the overdue steps (a step
    counts for every node holding its office, under the child holding it)."""
    rows = db.session.execute(
        select(
            Task.procedure,
            Task.role,
            Task.jurisdiction_id,
            measures.STEP_PLACE,
            measures.bucket_expr(today),
            measures.level_expr(),
        ).where(*measures.overdue_step(today))
    ).all()
    counts: dict[int, dict[str, Counter[Any]]] = {n.id: defaultdict(Counter) for n in nodes}
    offices: dict[int, dict[tuple[str, int], list[int]]] = {n.id: {} for n in nodes}
    for procedure, role, office_id, place, bucket, level in rows:
        for node_id, _node_path in areas.holding(place):
            c = counts[node_id]
            c["procedure"][procedure] += 1
            c["bucket"][bucket] += 1
            c["level"][level] += 1
            c["child"][areas.child(node_id, place)] += 1
            row = offices[node_id].setdefault((role, office_id), [0, 0, 0, 0])
            row[0] += 1
            row[1 + list(measures.LEVEL_LABELS).index(level)] += 1
    paths = dict(db.session.execute(select(Jurisdiction.id, Jurisdiction.path)).all())
    return {
        node.id: _board(areas.kids[node.id], counts[node.id], offices[node.id], paths)
        for node in nodes
    }


def _board(
    kids: list[Jurisdiction],
    c: dict[str, Counter[Any]],
    offices: dict[tuple[str, int], list[int]],
    paths: dict[int, str],
) -> Dashboard:
    top = sorted(offices.items(), key=lambda kv: (-kv[1][0], paths[kv[0][1]], kv[0][0]))
    office_rows = [
        {
            "role": role,
            "jurisdiction_id": jid,
            "total": n,
            "none": n_none,
            "township": n_township,
            "district": n_district,
        }
        for (role, jid), (n, n_none, n_township, n_district) in top[:OFFICES_SHOWN]
    ]
    return assemble(
        kids,
        dict(c["procedure"]),
        {k: n for k, n in c["child"].items() if n},
        dict(c["bucket"]),
        dict(c["level"]),
        office_rows,
    )


def _open_work(
    nodes: list[Jurisdiction], areas: _Areas, today: date, cut: Any
) -> dict[int, dict[tuple[str, int], list[int]]]:
    """(procedure, child) -> [open steps, overdue steps] of every node, from one pass over
    the open steps grouped by the places the nodes tell apart."""
    late = case((Task.due_on < today, 1), else_=0)
    sub = (
        select(
            Task.procedure.label("p"),
            cut(measures.STEP_PLACE).label("place"),
            late.label("late"),
        )
        .where(*measures.open_step())
        .subquery()
    )
    keys = (sub.c.p, sub.c.place, sub.c.late)
    result: dict[int, dict[tuple[str, int], list[int]]] = {n.id: {} for n in nodes}
    for procedure, place, is_late, n in db.session.execute(
        select(*keys, func.count()).group_by(*keys)
    ):
        for node_id, _path in areas.holding(place):
            child = areas.child(node_id, place) or 0
            acc = result[node_id].setdefault((procedure, child), [0, 0])
            acc[0] += n
            acc[1] += n * is_late
    return result


def _case_weeks(
    nodes: list[Jurisdiction], areas: _Areas, starts: list[date], cut: Any
) -> dict[int, tuple[list[int], list[int]]]:
    """Cases opened and completed under every node in the weeks of `starts`."""
    weeks = len(starts)
    since = charts.local_midnight(starts[0])
    until = charts.local_midnight(starts[-1] + timedelta(weeks=1))
    result = {n.id: ([0] * weeks, [0] * weeks) for n in nodes}
    sub = (
        select(
            cut(Case.jurisdiction_path).label("place"),
            charts.case_weeks(Case.opened_at, starts).label("o"),
            charts.case_weeks(Case.closed_at, starts).label("c"),
        )
        .where(
            or_(
                and_(Case.opened_at >= since, Case.opened_at < until),
                and_(Case.closed_at >= since, Case.closed_at < until),
            )
        )
        .subquery()
    )
    keys = (sub.c.place, sub.c.o, sub.c.c)
    for place, o, c, n in db.session.execute(select(*keys, func.count()).group_by(*keys)):
        for node_id, _path in areas.holding(place):
            opened, completed = result[node_id]
            if o is not None:
                opened[o] += n
            if c is not None:
                completed[c] += n
    return result


def _weeks(
    nodes: list[Jurisdiction], areas: _Areas, today: date, cut: Any
) -> dict[int, tuple[list[date], list[int], list[int], list[int]]]:
    """The weekly trend of every node: cases opened and completed under it, steps of its
    offices that became overdue; one pass over each for all nodes."""
    starts = charts.week_starts(today)
    cases = _case_weeks(nodes, areas, starts, cut)
    result = {n.id: (starts, *cases[n.id], [0] * len(starts)) for n in nodes}
    sub = (
        select(
            cut(measures.STEP_PLACE).label("place"),
            charts.became_overdue_week(today, starts).label("w"),
        )
        .where(*charts.became_overdue(today, starts))
        .subquery()
    )
    keys = (sub.c.place, sub.c.w)
    for place, w, n in db.session.execute(select(*keys, func.count()).group_by(*keys)):
        for node_id, _path in areas.holding(place):
            result[node_id][3][w] += n
    return result


def load(
    node: Jurisdiction, today: date, now: datetime
) -> tuple[Dashboard, Charts, datetime] | None:
    """The fresh snapshot of `node` for `today`, or None (then count live)."""
    if node.level not in LEVELS:
        return None
    snap = db.session.get(DashboardSnapshot, node.id)
    if snap is None or snap.day != today or now - snap.computed_at > MAX_AGE:
        return None
    board, charts = _load(snap.data)
    return board, charts, snap.computed_at
