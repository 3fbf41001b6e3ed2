"""Time limits and due dates: the configurable table over the procedures' defaults."""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import select

from transfers.deadlines.models import CalendarOverride, TimeLimit
from transfers.extensions import db
from workflows.calendar import Limit, LimitUnit, WorkCalendar
from workflows.i18n import gettext as _
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
    """The official calendar plus this deployment's overrides (one instance while they
    are cached: it remembers the due dates it computed)."""
    return _cached(  # type: ignore[no-any-return]
        "calendar",
        lambda: WorkCalendar(
            overrides={
                row.day: row.is_workday for row in db.session.scalars(select(CalendarOverride))
            }
        ),
    )


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
    rows: list[tuple[str, Limit]] = _cached("limits", _limit_rows).get((procedure, state), [])
    for prefix, limit in rows:
        if jurisdiction_path.startswith(prefix):
            return limit
    return get_procedure(procedure).state(state).limit


def due_date(procedure: str, state: str, jurisdiction_path: str, start: date) -> date | None:
    limit = limit_for(procedure, state, jurisdiction_path)
    if limit is None:
        return None
    return work_calendar().due_date(start, limit)


# --- administration (role admin) ---------------------------------------------------------
def missing_calendar_years(today: date) -> list[int]:
    """Years (this one and the next) the official calendar package does not know yet.

    For those years working days fall back to Monday–Friday plus the overrides, so an
    administrator must enter that year's holidays and adjusted working days (调休).
    """
    probe = WorkCalendar()
    for year in (today.year, today.year + 1):
        probe.is_workday(date(year, 1, 1))
        probe.is_workday(date(year, 12, 31))
    return sorted(probe.unknown_years)


def set_time_limit(
    *, procedure: str, state: str, jurisdiction_path: str, amount: int, unit: str
) -> TimeLimit:
    """Create or change the limit of (procedure, state) for a jurisdiction ("" = all)."""
    spec = get_procedure(procedure).state(state)
    if not spec.waiting:
        raise ValueError(_("%(step)s不是办理环节，无需时限", step=_(spec.label)))
    if amount < 1 or amount > 365:
        raise ValueError(_("时限应为1至365之间的整数"))
    LimitUnit(unit)
    row = db.session.scalar(
        select(TimeLimit).where(
            TimeLimit.procedure == procedure,
            TimeLimit.state == state,
            TimeLimit.jurisdiction_path == jurisdiction_path,
        )
    )
    if row is None:
        row = TimeLimit(procedure=procedure, state=state, jurisdiction_path=jurisdiction_path)
        db.session.add(row)
    row.amount, row.unit = amount, unit
    db.session.flush()
    return row


def set_calendar_override(*, day: date, is_workday: bool, note: str) -> CalendarOverride:
    row = db.session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
    if row is None:
        row = CalendarOverride(day=day)
        db.session.add(row)
    row.is_workday, row.note = is_workday, note.strip()[:100]
    db.session.flush()
    return row
