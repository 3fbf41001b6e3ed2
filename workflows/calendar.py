"""Calendar arithmetic for time limits (docs/policy.md, "Working-day calendar").

Working days follow the official Chinese calendar (the `chinesecalendar` package,
including adjusted working weekends, 调休) plus local overrides. For a year the package
does not know yet, the calendar falls back to Monday–Friday plus the overrides and
remembers the year in `unknown_years`, so that administrators can be warned.

The start day is never counted (起算日不计入). Due dates are local (Asia/Shanghai)
calendar dates: a limit ends at the end of its last day.
"""

from __future__ import annotations

import calendar as _stdcal
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

from workflows.i18n import gettext as _
from workflows.labels import LabelledEnum

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


class LimitUnit(LabelledEnum):
    WORKING_DAYS = "working_days", "个工作日"
    CALENDAR_DAYS = "calendar_days", "个自然日"
    MONTHS = "months", "个月"


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: LimitUnit = LimitUnit.WORKING_DAYS

    def __str__(self) -> str:
        return _("%(amount)s%(unit)s", amount=self.amount, unit=_(self.unit.label))


def local_date(instant: datetime) -> date:
    """The date in China of a UTC (or any aware) instant."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: instants must be timezone-aware")
    return instant.astimezone(LOCAL_TZ).date()


def add_months(start: date, months: int) -> date:
    """Same day `months` later; the month's last day when it has no such day.

    Civil Code art. 202: a period counted in months ends on the corresponding day of
    the last month, or on that month's last day if there is no corresponding day.
    """
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    last_day = _stdcal.monthrange(year, month)[1]
    return date(year, month, min(start.day, last_day))


@lru_cache(maxsize=8192)
def official_workday(day: date) -> bool | None:
    """The official calendar's answer, or None for a year it does not cover yet.

    Cached: chinesecalendar validates every date against its whole table (slow).
    """
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


@dataclass
class WorkCalendar:
    """Official working days plus overrides ({day: is_workday})."""

    overrides: Mapping[date, bool] = field(default_factory=dict)
    unknown_years: set[int] = field(default_factory=set)
    # add_working_days answers for these overrides: a due date is computed per step
    _after: dict[tuple[date, int], date] = field(default_factory=dict, repr=False, compare=False)

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        official = official_workday(day)
        if official is None:
            self.unknown_years.add(day.year)
            return day.weekday() < 5
        return official

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (the start day is not counted)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        found = self._after.get((start, days))
        if found is not None:
            return found
        current, counted = start, 0
        while counted < days:
            current += timedelta(days=1)
            if self.is_workday(current):
                counted += 1
        if len(self._after) < 100_000:
            self._after[(start, days)] = current
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how many working days `end` is after `start`.

        Negative when end is before start.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            if self.is_workday(current):
                count += 1
        return count

    def due_date(self, start: date, limit: Limit) -> date:
        """Last day of a limit that starts on `start` (not counted)."""
        if limit.unit is LimitUnit.WORKING_DAYS:
            return self.add_working_days(start, limit.amount)
        if limit.unit is LimitUnit.CALENDAR_DAYS:
            return start + timedelta(days=limit.amount)
        return add_months(start, limit.amount)

    def subtract_working_days(self, end: date, days: int) -> date:
        """The date `days` working days before `end` (for the warning window)."""
        current, counted = end, 0
        while counted < days:
            current -= timedelta(days=1)
            if self.is_workday(current):
                counted += 1
        return current


class Light(LabelledEnum):
    """Traffic lights of electronic supervision (红黄绿灯; docs/policy.md, "Time limits")."""

    GREEN = "green", "正常"
    YELLOW = "yellow", "预警"
    RED = "red", "超期"


@dataclass(frozen=True)
class DeadlineStatus:
    light: Light
    due_on: date | None
    working_days_late: int = 0
    calendar_days_late: int = 0
    working_days_left: int = 0

    @property
    def text(self) -> str:
        if self.due_on is None:
            return _("无时限")
        if self.light is Light.RED:
            return _("超期%(n)s天", n=self.calendar_days_late)
        if self.light is Light.YELLOW:
            return _("预警：剩余%(n)s个工作日", n=self.working_days_left)
        return _("正常")


def deadline_status(
    due_on: date | None, today: date, cal: WorkCalendar, warning_working_days: int = 2
) -> DeadlineStatus:
    """Green on time, yellow within the warning window, red once past the due date."""
    if due_on is None:
        return DeadlineStatus(Light.GREEN, None)
    if today > due_on:
        return DeadlineStatus(
            Light.RED,
            due_on,
            working_days_late=max(cal.working_days_between(due_on, today), 0),
            calendar_days_late=(today - due_on).days,
        )
    left = cal.working_days_between(today, due_on)
    if left <= warning_working_days:
        return DeadlineStatus(Light.YELLOW, due_on, working_days_left=left)
    return DeadlineStatus(Light.GREEN, due_on, working_days_left=left)
