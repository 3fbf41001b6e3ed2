"""Time limits and due dates: the configurable table over the procedures' defaults."""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import select

from transfers.deadlines.models import CalendarOverride, TimeLimit
from transfers.extensions import db
from workflows.calendar import Limit, LimitUnit, WorkCalendar
from workflows.registry import get_procedure

_CACHE_SECONDS = 60.0
_cache: dict[str, tuple[float, object]] = {}


def invalidate_cache() -> None:
    """Forget cached overrides and limits (call after an administrator edits them)."""
    _cache.clear()


def _cached(key: str, load):  # type: ignore[no-untyped-def]
    hit = _cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < _CACHE_SECONDS:
        return hit[1]
    value = load()
    _cache[key] = (now, value)
    return value


def work_calendar() -> WorkCalendar:
    """The official calendar plus this deployment's overrides."""
    overrides = _cached(
        "overrides",
        lambda: {row.day: row.is_workday for row in db.session.scalars(select(CalendarOverride))},
    )
    return WorkCalendar(overrides=overrides)


def _limit_rows() -> dict[tuple[str, str], list[tuple[str, Limit]]]:
    rows: dict[tuple[str, str], list[tuple[str, Limit]]] = {}
    for r in db.session.scalars(select(TimeLimit)):
        rows.setdefault((r.procedure, r.state), []).append(
            (r.jurisdiction_path or "", Limit(r.amount, LimitUnit(r.unit)))
        )
    for entries in rows.values():
        entries.sort(key=lambda e: len(e[0]), reverse=True)
    return rows


def limit_for(procedure: str, state: str, jurisdiction_path: str) -> Limit | None:
    """The most specific configured limit, else the procedure's default."""
    for prefix, limit in _cached("limits", _limit_rows).get((procedure, state), []):
        if jurisdiction_path.startswith(prefix):
            return limit
    return get_procedure(procedure).state(state).limit


def due_date(procedure: str, state: str, jurisdiction_path: str, start: date) -> date | None:
    limit = limit_for(procedure, state, jurisdiction_path)
    if limit is None:
        return None
    return work_calendar().due_date(start, limit)
