"""Snapshots of the overdue dashboard of large jurisdictions, refreshed by the scheduler.

A province's dashboard counts ~70,000 overdue tasks five ways and its charts ~600,000
open cases and twelve weeks of opened/closed cases: ~0.5–1 s live at 400,000 persons,
more than the 200 ms a page may take. The scheduler computes the unfiltered dashboard
(counts and charts) of every province and city node once a minute (``refresh``); the page
shows it with the time it was computed ("数据截至 HH:MM") while it is fresh (``load``).
Filtered views, counties and below stay live: their index ranges are small.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from transfers.supervision import services as sv
from transfers.supervision.charts import Bar, Charts, Week, dashboard_charts
from transfers.supervision.models import DashboardSnapshot
from workflows.roles import Level

LEVELS = (Level.PROVINCE.value, Level.CITY.value)
# Older than this (the scheduler stopped), the page counts live again.
MAX_AGE = timedelta(minutes=5)


def _dump(board: sv.Dashboard, charts: Charts) -> dict[str, Any]:
    return {
        "total": board.total,
        "by_procedure": [list(x) for x in board.by_procedure],
        "by_jurisdiction": [[j.id if j else None, n] for j, n in board.by_jurisdiction],
        "by_bucket": {k: n for k, _label, n in board.by_bucket},
        "by_level": {k: n for k, _label, n in board.by_level},
        "by_office": [
            {**{k: v for k, v in r.items() if k != "jurisdiction"}, "jurisdiction_id": r["jurisdiction"].id}
            for r in board.by_office
        ],
        "charts": {
            "by_procedure": [asdict(b) for b in charts.by_procedure],
            "by_jurisdiction": [asdict(b) for b in charts.by_jurisdiction],
            "weeks": [[w.start.isoformat(), w.opened, w.completed, w.overdue] for w in charts.weeks],
        },
    }


def _load(data: dict[str, Any]) -> tuple[sv.Dashboard, Charts]:
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
    board = sv.Dashboard(
        total=data["total"],
        by_procedure=[(k, n) for k, n in data["by_procedure"]],
        by_jurisdiction=[(places[j] if j else None, n) for j, n in data["by_jurisdiction"]],
        by_bucket=[(k, label, data["by_bucket"].get(k, 0)) for k, label, _lo, _hi in sv.BUCKETS],
        by_level=[(k, label, data["by_level"].get(k, 0)) for k, label in sv.LEVEL_LABELS.items()],
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
    """The unfiltered dashboard of `node` (its whole area), as stored."""
    board = sv.dashboard(None, today, sv.OverdueFilter(node=node.path), node, paths=[node.path])
    return _dump(board, dashboard_charts(node, today))


def refresh(today: date, now: datetime) -> int:
    """Recompute the snapshot of every province and city node; the caller commits."""
    nodes = db.session.scalars(
        select(Jurisdiction).where(Jurisdiction.level.in_(LEVELS)).order_by(Jurisdiction.path)
    ).all()
    for node in nodes:
        data = compute(node, today)
        snap = db.session.get(DashboardSnapshot, node.id)
        if snap is None:
            db.session.add(DashboardSnapshot(jurisdiction_id=node.id, day=today, computed_at=now, data=data))
        else:
            snap.day, snap.computed_at, snap.data = today, now, data
        db.session.flush()
    return len(nodes)


def load(
    node: Jurisdiction, today: date, now: datetime
) -> tuple[sv.Dashboard, Charts, datetime] | None:
    """The fresh snapshot of `node` for `today`, or None (then count live)."""
    if node.level not in LEVELS:
        return None
    snap = db.session.get(DashboardSnapshot, node.id)
    if snap is None or snap.day != today or now - snap.computed_at > MAX_AGE:
        return None
    board, charts = _load(snap.data)
    return board, charts, snap.computed_at
