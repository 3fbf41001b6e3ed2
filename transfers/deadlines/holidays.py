"""Holidays and adjusted working days entered as ranges (国庆节 10月1日至7日): one form
writes a day-by-day override for each date of the range, and a range is removed whole.
The work calendar itself keeps one row per day (`CalendarOverride`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, select

from transfers.deadlines.models import CalendarOverride
from transfers.extensions import db
from transfers.field_errors import FieldErrors
from workflows.i18n import gettext as _

MAX_RANGE_DAYS = 31


class RangeError(FieldErrors):
    """A calendar adjustment refused, by field."""


@dataclass(frozen=True)
class DayRange:
    """Consecutive days with the same status and name, shown as one row."""

    starts_on: date
    ends_on: date
    is_workday: bool
    note: str

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


def _check(starts_on: date | None, ends_on: date | None, note: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if starts_on is None:
        errors["starts_on"] = _("请填写开始日期")
    if not note.strip():
        errors["note"] = _("请填写名称（如：国庆节、春节调休上班）")
    elif len(note.strip()) > 100:
        errors["note"] = _("名称不能超过100个字")
    if starts_on is not None and ends_on is not None:
        if ends_on < starts_on:
            errors["ends_on"] = _("结束日期不能早于开始日期")
        elif (ends_on - starts_on).days + 1 > MAX_RANGE_DAYS:
            errors["ends_on"] = _("一次最多录入%(n)s天", n=MAX_RANGE_DAYS)
    return errors


def set_range(
    *, starts_on: date | None, ends_on: date | None, is_workday: bool, note: str
) -> DayRange:
    """Every day from `starts_on` to `ends_on` (one day when no end is given) becomes a
    holiday, or a working day, named `note`; a day entered before is replaced."""
    errors = _check(starts_on, ends_on, note)
    if errors or starts_on is None:
        raise RangeError(errors)
    last = ends_on or starts_on
    days = [starts_on + timedelta(days=i) for i in range((last - starts_on).days + 1)]
    existing = {
        row.day: row
        for row in db.session.scalars(
            select(CalendarOverride).where(CalendarOverride.day.between(starts_on, last))
        )
    }
    for day in days:
        row = existing.get(day) or CalendarOverride(day=day)
        row.is_workday, row.note = is_workday, note.strip()
        db.session.add(row)
    db.session.flush()
    return DayRange(starts_on, last, is_workday, note.strip())


def remove_range(starts_on: date, ends_on: date) -> int:
    """Remove the entered days from `starts_on` to `ends_on`: the official calendar
    applies again. How many days were removed."""
    if ends_on < starts_on:
        raise RangeError({"ends_on": _("结束日期不能早于开始日期")})
    result = db.session.execute(
        delete(CalendarOverride).where(CalendarOverride.day.between(starts_on, ends_on))
    )
    db.session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def day_ranges() -> list[DayRange]:
    """The entered days, consecutive days of the same status and name as one range."""
    ranges: list[DayRange] = []
    for row in db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day)):
        last = ranges[-1] if ranges else None
        if (
            last is not None
            and last.ends_on + timedelta(days=1) == row.day
            and (last.is_workday, last.note) == (row.is_workday, row.note)
        ):
            ranges[-1] = DayRange(last.starts_on, row.day, last.is_workday, last.note)
        else:
            ranges.append(DayRange(row.day, row.day, row.is_workday, row.note))
    return ranges
