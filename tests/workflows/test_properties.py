"""Property-based tests (hypothesis) for the pure rules: ID numbers, hukou option
eligibility, calendar arithmetic and form cleaning."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from workflows.base import Context, Field, RuleViolation, clean
from workflows.calendar import Limit, LimitUnit, WorkCalendar, add_months
from workflows.hukou import PROCEDURE as HUKOU
from workflows.hukou import HukouOption, option_eligibility
from workflows.idcard import (
    PROVINCE_CODES,
    InvalidIdNumber,
    check_digit,
    mask_id_number,
    parse_id_number,
)

CAL = WorkCalendar()

births = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))
first17s = st.builds(
    lambda prov, rest, birth, seq: f"{prov}{rest}{birth:%Y%m%d}{seq:03d}",
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.from_regex(r"\A[0-9]{4}\Z"),
    births,
    st.integers(0, 999),
)


@given(first17s)
def test_any_17_digits_with_computed_check_digit_parse(first17):
    number = first17 + check_digit(first17)
    parsed = parse_id_number(number)
    assert parsed.number == number
    assert parsed.birth_date.strftime("%Y%m%d") == first17[6:14]
    assert parsed.sex == ("M" if int(first17[16]) % 2 else "F")
    # lower-case x, spaces and full-width digits are the same number
    assert parse_id_number(" " + number.lower() + " ").number == number


@given(first17s, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_is_rejected(first17, position, replacement):
    number = first17 + check_digit(first17)
    assume(number[position] != replacement)
    assume(position == 17 or replacement != "X")
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(InvalidIdNumber):
        parse_id_number(changed)


@given(st.text(max_size=30))
def test_parsing_arbitrary_text_either_parses_or_raises_the_clerk_message(raw):
    try:
        parsed = parse_id_number(raw)
    except InvalidIdNumber as e:
        assert str(e)
    else:
        assert len(parsed.number) == 18


@given(first17s)
def test_masking_keeps_first_six_and_last_four(first17):
    number = first17 + check_digit(first17)
    masked = mask_id_number(number)
    assert masked == number[:6] + "*" * 8 + number[-4:]
    assert number[6:14] not in masked


hukou_facts = st.fixed_dictionaries(
    {
        "has_destination_housing": st.booleans(),
        "lives_at_destination": st.booleans(),
        "has_destination_homestead": st.booleans(),
        "has_destination_contracted_land": st.booleans(),
        "settlement_mode": st.sampled_from(["centralized", "scattered"]),
    }
)


@given(hukou_facts)
def test_hukou_options_invariants(facts):
    e = option_eligibility(facts)
    a = e[HukouOption.VILLAGE_GROUP].allowed
    b = e[HukouOption.SITE_ADDRESS].allowed
    c = e[HukouOption.TOWNSHIP_COLLECTIVE].allowed
    # exactly: C is the fallback when neither A nor B holds; some option always exists
    assert c == (not a and not b)
    assert a or b or c
    # A holds iff housing and living there, or a homestead, or contracted land
    assert a == (
        (facts["has_destination_housing"] and facts["lives_at_destination"])
        or facts["has_destination_homestead"]
        or facts["has_destination_contracted_land"]
    )
    # B only for people actually living in a centralized site
    assert b == (facts["settlement_mode"] == "centralized" and facts["lives_at_destination"])
    assert all(x.reason for x in e.values())


@given(hukou_facts, st.sampled_from(list(hukou_facts.wrapped_strategy.mapping)))
def test_gaining_a_destination_fact_never_removes_village_group_option(facts, key):
    if key == "settlement_mode":
        return
    before = option_eligibility(facts)[HukouOption.VILLAGE_GROUP].allowed
    after = option_eligibility({**facts, key: True})[HukouOption.VILLAGE_GROUP].allowed
    assert after or not before


@given(hukou_facts, st.sampled_from(list(HukouOption)))
def test_a_hukou_option_is_taken_or_refused_with_its_own_reason(facts, option):
    ctx = Context(facts={**facts, "site_address": "幸福路88号"})
    data = {"option": option.value, "group_name": "一组", "building": "1", "unit": "1", "door": "1"}
    eligibility = option_eligibility(facts)[option]
    try:
        HUKOU.decide("application", "submit", data, ctx)
    except RuleViolation as refused:
        assert not eligibility.allowed
        assert refused.errors == {"option": f"不能选择“{option.label}”：{eligibility.reason}"}
    else:
        assert eligibility.allowed


days = st.dates(min_value=date(2005, 1, 1), max_value=date(2026, 12, 31))


# No deadline: a year's holiday table is built on first use, and the machine is shared.
@settings(max_examples=150, deadline=None)
@given(days, st.integers(0, 60))
def test_add_working_days_then_working_days_between_round_trip(start, n):
    end = CAL.add_working_days(start, n)
    assert end >= start
    assert CAL.working_days_between(start, end) == n
    assert CAL.working_days_between(end, start) == -n
    if n:
        assert CAL.is_workday(end)
        assert CAL.subtract_working_days(end, n) <= end


@settings(max_examples=150, deadline=None)
@given(days, st.integers(0, 60), st.sampled_from(list(LimitUnit)))
def test_due_dates_never_before_the_start(start, amount, unit):
    due = CAL.due_date(start, Limit(amount, unit))
    assert due >= start
    if amount and unit is not LimitUnit.MONTHS:
        assert due > start


@given(days, st.integers(0, 240))
def test_add_months_lands_on_the_same_day_or_the_months_last_day(start, months):
    result = add_months(start, months)
    assert (result.year - start.year) * 12 + result.month - start.month == months
    assert result.day == start.day or (result + timedelta(days=1)).day == 1


FIELDS = (
    Field("name", "姓名", "text", max_length=10),
    Field("note", "备注", "textarea", required=False, max_length=50),
    Field("count", "人数", "int", required=False),
    Field("on", "日期", "date", required=False),
    Field("month", "月份", "month", required=False),
    Field("option", "方式", "choice", required=False, choices=(("a", "甲"), ("b", "乙"))),
    Field("agree", "确认", "bool", required=False),
)
raw_values = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.sampled_from(["2026-11-27", "2026-2-30", "2026-11", "2026-13", "a", "b", "y", "-3", "7"]),
    st.integers(-5, 5),
    st.booleans(),
)


@given(st.dictionaries(st.sampled_from([f.name for f in FIELDS] + ["extra"]), raw_values))
def test_clean_returns_a_value_or_an_error_for_every_field(raw):
    values, errors = clean(FIELDS, raw, Context())
    names = {f.name for f in FIELDS}
    assert set(values) | set(errors) == names
    assert "extra" not in values and "extra" not in errors
    assert all(isinstance(m, str) and m for m in errors.values())
    if "name" in values:
        assert 0 < len(values["name"]) <= 10
    if values.get("count") is not None:
        assert isinstance(values["count"], int) and values["count"] >= 0
    if values.get("on") is not None:
        date.fromisoformat(values["on"])
    if values.get("month") is not None:
        y, m = values["month"].split("-")
        assert len(y) == 4 and 1 <= int(m) <= 12
    if values.get("option") is not None:
        assert values["option"] in ("a", "b")
    assert isinstance(values.get("agree"), bool)


@given(
    st.text(alphabet="张王李abc12 ", min_size=1, max_size=10),
    st.dictionaries(st.sampled_from([f.name for f in FIELDS[1:]]), raw_values),
)
def test_clean_is_idempotent_on_its_own_output(name, raw):
    assume(name.strip())
    values, errors = clean(FIELDS, {**raw, "name": name}, Context())
    assume(not errors)
    values = {k: v for k, v in values.items() if v is not None}
    again, errors2 = clean(FIELDS, values, Context())
    assert errors2 == {}
    assert {k: v for k, v in again.items() if v is not None} == values
