"""The overdue dashboard's figures: the overdue steps of a node counted by procedure, by
child jurisdiction, by lateness, by escalation level and by office, in one statement.

The steps and where they count are ``measures``'s: a step counts under the child that
holds its office (None: the node's own offices).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Integer, Select, String, case, func, literal, null, select, text, union_all

from transfers.auth.models import User
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from transfers.supervision import measures
from transfers.supervision.overdue import OverdueFilter, overdue_query
from transfers.supervision.scope import children
from transfers.tasks.models import Task

# The offices listed on the dashboard: those with the most overdue steps (a province has
# thousands; drilling down lists the rest).
OFFICES_SHOWN = 50


@dataclass
class Dashboard:
    total: int
    by_procedure: list[tuple[str, int]]
    by_jurisdiction: list[tuple[Jurisdiction | None, int]]
    by_bucket: list[tuple[str, str, int]]
    by_level: list[tuple[str, str, int]]
    by_office: list[dict[str, Any]]
    # The ids of one page of the overdue list, in order (when the statement was asked).
    page_ids: list[int] = field(default_factory=list)


def _overdue_cte(user: User | None, today: date, f: OverdueFilter, paths: list[str] | None) -> Any:
    """The filtered overdue steps once, with what they are counted by (materialized: the
    statement reads them several times)."""
    each = (
        overdue_query(user, today, f, paths)
        .with_only_columns(
            Task.procedure.label("procedure"),
            Task.role.label("role"),
            Task.jurisdiction_id.label("jurisdiction_id"),
            measures.STEP_PLACE.label("path"),
            measures.bucket_expr(today).label("bucket"),
            measures.level_expr().label("level"),
            Task.id.label("id"),
            Task.due_on.label("due_on"),
        )
        .subquery()
    )
    return select(*each.c, literal(1).label("n")).cte("overdue")


def _grouped(o: Any, kind: str, key: Any) -> Select[Any]:
    zero = literal(0)
    return select(
        literal(kind), key, null().cast(Integer), func.sum(o.n), zero, zero, zero
    ).group_by(key)


def _top_offices(o: Any) -> Select[Any]:
    def at_level(level: str) -> Any:
        return func.sum(case((o.level == level, o.n), else_=0)).label(level)

    offices = (
        select(
            o.role,
            o.jurisdiction_id,
            func.sum(o.n).label("n"),
            *[at_level(k) for k in measures.LEVEL_LABELS],
        )
        .group_by(o.role, o.jurisdiction_id)
        .subquery()
    )
    c = offices.c
    top = (
        select(literal("office"), c.role, c.jurisdiction_id, c.n, c.none, c.township, c.district)
        .join(Jurisdiction, Jurisdiction.id == c.jurisdiction_id)
        .order_by(c.n.desc(), Jurisdiction.path, c.role)
        .limit(OFFICES_SHOWN)
        .subquery()
    )
    return select(top)


def _page_part(o: Any, sort: str, page: tuple[int, int]) -> Select[Any]:
    """One page of the overdue list in the list's order (``overdue.LIST_ORDER``)."""
    offset, limit = page
    order = {
        "-due": (o.due_on.desc(), o.id.desc()),
        "procedure": (o.procedure, o.due_on, o.id),
        "office": (o.path, o.role, o.due_on, o.id),
    }.get(sort, (o.due_on, o.id))
    ranked = select(o.id, func.row_number().over(order_by=order).label("rank")).subquery()
    zero = literal(0)
    return select(
        literal("row"), null().cast(String), ranked.c.id, ranked.c.rank, zero, zero, zero
    ).where(ranked.c.rank > offset, ranked.c.rank <= offset + limit)


def dashboard(
    user: User | None,
    today: date,
    f: OverdueFilter,
    node: Jurisdiction,
    paths: list[str] | None = None,
    page: tuple[int, int] | None = None,
) -> Dashboard:
    """The figures of the node's overdue steps: one statement, one pass over them.

    `page` (offset, limit): the same statement also picks that page of the overdue list
    in the filter's order (``page_ids``), instead of a second query finding the same
    steps again (``overdue.overdue_rows``)."""
    if db.session.get_bind().dialect.name == "postgresql":
        # A province groups ~70,000 overdue steps: in memory (hash) instead of sorting on
        # disk with the default 4 MB. For this request's transaction only.
        db.session.execute(text("SET LOCAL work_mem = '32MB'"))
    o = _overdue_cte(user, today, f, paths).c
    parts = [
        _grouped(o, "procedure", o.procedure),
        _grouped(o, "place", o.path),
        _grouped(o, "bucket", o.bucket),
        _grouped(o, "level", o.level),
        _top_offices(o),
    ]
    if page is not None:
        parts.append(_page_part(o, f.sort, page))
    return _read(node, db.session.execute(union_all(*parts)).all())


def _read(node: Jurisdiction, rows: Sequence[Any]) -> Dashboard:
    kids = children(node)
    child_of = measures.child_of(node, kids)
    by: dict[str, dict[Any, int]] = defaultdict(dict)
    office_rows, listed = [], []
    for kind, text_key, int_key, n, n_none, n_township, n_district in rows:
        if kind == "row":
            listed.append((n, int_key))
        elif kind == "office":
            office_rows.append(
                {
                    "role": text_key,
                    "jurisdiction_id": int_key,
                    "total": n,
                    "none": n_none,
                    "township": n_township,
                    "district": n_district,
                }
            )
        elif kind == "place":
            child = child_of(text_key)
            by["child"][child] = by["child"].get(child, 0) + n
        else:
            by[kind][text_key] = n
    board = assemble(kids, by["procedure"], by["child"], by["bucket"], by["level"], office_rows)
    board.page_ids = [task_id for _rank, task_id in sorted(listed)]
    return board


def assemble(
    kids: list[Jurisdiction],
    by_procedure: dict[str, int],
    by_child: dict[int | None, int],
    by_bucket: dict[str, int],
    by_level: dict[str, int],
    office_rows: list[dict[str, Any]],
) -> Dashboard:
    """The dashboard from its counts (live, or the snapshots' pass over a province): the
    offices listed ({role, jurisdiction_id, total, none, township, district}) are loaded
    in one query and sorted by total, then path and role."""
    places = {
        j.id: j
        for j in db.session.scalars(
            select(Jurisdiction).where(
                Jurisdiction.id.in_({r["jurisdiction_id"] for r in office_rows})
            )
        )
    }
    offices = []
    for r in office_rows:
        row = {k: v for k, v in r.items() if k != "jurisdiction_id"}
        row["jurisdiction"] = places[r["jurisdiction_id"]]
        offices.append(row)
    by_jur: list[tuple[Jurisdiction | None, int]] = [(c, by_child.get(c.id, 0)) for c in kids]
    if by_child.get(None):
        by_jur.append((None, by_child[None]))
    return Dashboard(
        total=sum(by_procedure.values()),
        by_procedure=sorted(by_procedure.items(), key=lambda kv: (-kv[1], kv[0])),
        by_jurisdiction=by_jur,
        by_bucket=[(k, label, by_bucket.get(k, 0)) for k, label, _lo, _hi in measures.BUCKETS],
        by_level=[(k, label, by_level.get(k, 0)) for k, label in measures.LEVEL_LABELS.items()],
        by_office=sorted(offices, key=lambda r: (-r["total"], r["jurisdiction"].path, r["role"])),
    )
