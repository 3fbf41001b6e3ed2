from datetime import date

from workflows.calendar import (
    Light,
    Limit,
    LimitUnit,
    WorkCalendar,
    add_months,
    deadline_status,
)


def test_start_day_not_counted_and_weekends_skipped():
    cal = WorkCalendar()
    # Monday 2026-11-02 + 1 working day = Tuesday; Friday + 1 = next Monday
    assert cal.add_working_days(date(2026, 11, 2), 1) == date(2026, 11, 3)
    assert cal.add_working_days(date(2026, 11, 6), 1) == date(2026, 11, 9)
    assert cal.add_working_days(date(2026, 11, 2), 10) == date(2026, 11, 16)


def test_spring_festival_2026_with_adjusted_working_days():
    cal = WorkCalendar()
    # 2026 Spring Festival: holiday 2026-02-15..02-23; Saturday 02-14 and 02-28 are 调休 workdays
    assert cal.is_workday(date(2026, 2, 14)) is True  # a Saturday that is a working day
    assert cal.is_workday(date(2026, 2, 16)) is False  # a Monday inside the holiday
    # From Friday 02-13: next working day is the adjusted Saturday 02-14
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    # then the holiday: the second working day is 02-24
    assert cal.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)


def test_national_day_2026():
    cal = WorkCalendar()
    assert cal.is_workday(date(2026, 10, 1)) is False
    assert cal.is_workday(date(2026, 10, 7)) is False
    # 30 September + 1 working day skips the whole Golden Week
    nxt = cal.add_working_days(date(2026, 9, 30), 1)
    assert nxt > date(2026, 10, 7) or cal.is_workday(nxt)
    assert all(not cal.is_workday(date(2026, 10, d)) for d in range(1, 8))


def test_unknown_year_falls_back_to_weekdays_and_is_reported():
    cal = WorkCalendar()
    assert cal.is_workday(date(2031, 1, 6)) is True  # a Monday
    assert cal.is_workday(date(2031, 1, 4)) is False  # a Saturday
    assert 2031 in cal.unknown_years


def test_overrides_win():
    cal = WorkCalendar(overrides={date(2031, 1, 6): False, date(2031, 1, 4): True})
    assert cal.is_workday(date(2031, 1, 6)) is False
    assert cal.is_workday(date(2031, 1, 4)) is True


def test_months_use_the_corresponding_day_or_the_month_end():
    assert add_months(date(2026, 1, 15), 1) == date(2026, 2, 15)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 31), 2) == date(2027, 2, 28)
    cal = WorkCalendar()
    assert cal.due_date(date(2026, 3, 31), Limit(1, LimitUnit.MONTHS)) == date(2026, 4, 30)
    assert cal.due_date(date(2026, 3, 31), Limit(7, LimitUnit.CALENDAR_DAYS)) == date(2026, 4, 7)


def test_traffic_lights():
    cal = WorkCalendar()
    due = date(2026, 11, 16)  # Monday
    assert deadline_status(due, date(2026, 11, 10), cal).light is Light.GREEN
    # two working days left
    assert deadline_status(due, date(2026, 11, 12), cal).light is Light.YELLOW
    assert deadline_status(due, date(2026, 11, 16), cal).light is Light.YELLOW  # the last day
    late = deadline_status(due, date(2026, 11, 18), cal)
    assert late.light is Light.RED and late.calendar_days_late == 2 and late.working_days_late == 2
    assert late.text == "超期2天"


def test_ten_working_days_across_national_day_2026_with_adjusted_saturday():
    cal = WorkCalendar()
    assert cal.is_workday(date(2026, 9, 20)) is True  # Sunday 调休 working day
    assert cal.is_workday(date(2026, 9, 25)) is False  # Friday, Mid-Autumn Festival
    assert cal.is_workday(date(2026, 10, 10)) is True  # Saturday 调休 working day
    # From Monday 09-28: 09-29, 09-30, then 10-08, 10-09, Saturday 10-10, 10-12 … 10-16
    assert cal.due_date(date(2026, 9, 28), Limit(10)) == date(2026, 10, 16)
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 9)) == 2
    assert cal.working_days_between(date(2026, 10, 9), date(2026, 9, 30)) == -2
    assert cal.subtract_working_days(date(2026, 10, 12), 2) == date(2026, 10, 9)


def test_ten_working_days_across_spring_festival_2026():
    cal = WorkCalendar()
    # Friday 02-13: Saturday 02-14 (调休), 02-24..02-27, Saturday 02-28 (调休), 03-02..03-05
    assert cal.due_date(date(2026, 2, 13), Limit(10)) == date(2026, 3, 5)
    status = deadline_status(date(2026, 2, 24), date(2026, 2, 14), cal)
    assert status.light is Light.YELLOW and status.working_days_left == 1


def test_national_day_2025_adjusted_sunday_and_saturday():
    cal = WorkCalendar()
    assert cal.is_workday(date(2025, 9, 28)) and cal.is_workday(date(2025, 10, 11))
    assert cal.add_working_days(date(2025, 9, 30), 2) == date(2025, 10, 10)
    assert cal.add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)  # Saturday
