"""Social assistance: notice vs letter, one month, no gap month, rural → urban dibao."""

from datetime import date

import pytest

from workflows.assistance import (
    PROCEDURE,
    DocumentKind,
    document_kind,
    gap_months,
    needs_assistance_case,
    one_month_deadline,
    overlap,
    within_one_month,
)
from workflows.base import Context, RelatedCase, RuleViolation


@pytest.mark.parametrize(
    "last,first,gap",
    [
        ("2026-10", "2026-11", []),
        ("2026-10", "2026-12", ["2026-11"]),
        ("2026-10", "2027-02", ["2026-11", "2026-12", "2027-01"]),
        ("2026-12", "2027-01", []),
    ],
)
def test_gap_months(last, first, gap):
    assert gap_months(last, first) == gap
    assert not overlap(last, first)


def test_overlap_is_double_payment():
    assert overlap("2026-11", "2026-11") and overlap("2026-11", "2026-10")


@pytest.mark.parametrize(
    "applied,done,ok",
    [
        (date(2026, 11, 2), date(2026, 12, 2), True),  # exactly one month
        (date(2026, 11, 2), date(2026, 12, 3), False),
        (date(2026, 1, 31), date(2026, 2, 28), True),  # month end: last day of February
        (date(2026, 1, 31), date(2026, 3, 1), False),
    ],
)
def test_one_month_limit(applied, done, ok):
    assert within_one_month(applied, done) is ok
    assert one_month_deadline(date(2026, 1, 31)) == date(2026, 2, 28)


def test_notice_within_the_county_letter_across():
    assert document_kind("same_county") is DocumentKind.NOTICE
    assert document_kind("cross_county_same_province") is DocumentKind.LETTER
    assert document_kind("cross_province") is DocumentKind.LETTER


def hukou(state):
    final = state in ("completed", "declined")
    return {"hukou": RelatedCase("hukou", state, state if final else None, {})}


def ctx(kind="dibao_rural", scope="same_county", related=None, today=date(2026, 11, 20), **kw):
    facts = {
        "assistance": kind,
        "scope": scope,
        "moved_on": "2026-05-01",
        "origin_name": "段村村",
        "destination_name": "幸福社区",
    }
    return Context(facts=facts, related=related or {}, today=today, **kw)


@pytest.mark.parametrize(
    "related,path,dest",
    [
        (hukou("completed"), "transfer", "origin_report"),
        (hukou("police_review"), "transfer", "waiting_hukou"),
        ({}, "transfer", "waiting_hukou"),
        ({}, "convert", "conversion_origin"),  # moved this year: the origin township
    ],
)
def test_application_routes(related, path, dest):
    data = {"path": path, "applied_on": "2026-11-02", "conversion_basis": "permit"}
    d = PROCEDURE.decide("application", "apply", data, ctx(related=related))
    assert d.dest == dest and d.record["deadline"] == "2026-12-02"


def test_only_rural_dibao_may_convert_and_is_told_why_not():
    field = PROCEDURE.action("apply", "application").fields[0]
    assert [v for v, _ in field.resolve_choices(ctx("tekun"))] == ["transfer"]
    assert [v for v, _ in field.resolve_choices(ctx())] == ["transfer", "convert"]
    with pytest.raises(RuleViolation) as e:
        data = {"path": "convert", "applied_on": "2026-11-02", "conversion_basis": "permit"}
        PROCEDURE.decide("application", "apply", data, ctx("tekun"))
    assert e.value.errors == {
        "path": "不能选择“农村低保转城市低保”：仅农村低保对象可申请转为城市低保"
    }


def test_conversion_after_the_moving_year_is_handled_at_the_destination():
    c = ctx(today=date(2027, 3, 1))
    data = {"path": "convert", "applied_on": "2027-03-01", "conversion_basis": "status"}
    assert PROCEDURE.decide("application", "apply", data, c).dest == "conversion_destination"


def test_hukou_kept_cannot_transfer_and_waiting_case_closes_at_origin():
    with pytest.raises(RuleViolation) as e:
        PROCEDURE.decide(
            "application",
            "apply",
            {"path": "transfer", "applied_on": "2026-11-02"},
            ctx("tekun", related=hukou("declined")),
        )
    assert "户籍地管理，不能办理管辖迁移" in e.value.errors["path"]
    c = ctx("tekun", related=hukou("declined"))
    [a] = PROCEDURE.available_actions("waiting_hukou", c, system=True)
    d = PROCEDURE.decide("waiting_hukou", a.trigger, {}, c)
    assert d.dest == "stays_at_origin" and "户籍地" in d.record["coverage"]


@pytest.mark.parametrize(
    "scope,dest,kind",
    [
        ("same_county", "destination_township", "notice"),
        ("cross_county_same_province", "destination_bureau", "letter"),
    ],
)
def test_bureau_issues_notice_or_letter(scope, dest, kind):
    d = PROCEDURE.decide(
        "bureau_issue",
        "issue",
        {"document_no": "渑民〔2026〕1号", "issued_on": "2026-11-05"},
        ctx(scope=scope),
    )
    assert d.dest == dest and d.record["document_kind"] == kind


def pay(last, first, explanation=""):
    return {
        "last_origin_month": last,
        "first_destination_month": first,
        "gap_explanation": explanation,
    }


def test_payment_without_gap_closes_with_no_violation():
    c = ctx(case_data={"applied_on": "2026-11-02"})
    d = PROCEDURE.decide("destination_township", "start_payment", pay("2026-11", "2026-12"), c)
    assert d.dest == "transferred" and d.violations == () and d.record["within_one_month"] is True
    assert "自2026-12起发放" in d.record["coverage"]


def test_gap_month_needs_an_explanation_and_is_a_violation():
    c = ctx(case_data={"applied_on": "2026-11-02"})
    with pytest.raises(RuleViolation) as e:
        PROCEDURE.decide("destination_township", "start_payment", pay("2026-10", "2026-12"), c)
    assert "2026-11" in e.value.errors["gap_explanation"]
    d = PROCEDURE.decide(
        "destination_township", "start_payment", pay("2026-10", "2026-12", "迁出地已停发"), c
    )
    assert d.dest == "transferred"
    assert [v["kind"] for v in d.violations] == ["assistance_gap"]
    assert d.violations[0]["months"] == ["2026-11"]


def test_double_payment_is_refused():
    with pytest.raises(RuleViolation):
        PROCEDURE.decide("destination_township", "start_payment", pay("2026-12", "2026-12"), ctx())


def test_over_one_month_is_a_violation():
    c = ctx(case_data={"applied_on": "2026-10-01"}, today=date(2026, 11, 20))
    d = PROCEDURE.decide("destination_township", "start_payment", pay("2026-11", "2026-12"), c)
    assert [v["kind"] for v in d.violations] == ["assistance_over_one_month"]
    assert d.record["within_one_month"] is False


def test_rural_to_urban_conversion():
    d = PROCEDURE.decide(
        "conversion_origin",
        "convert",
        {"last_rural_month": "2026-11", "first_urban_month": "2026-12"},
        ctx(),
    )
    assert d.dest == "converted" and d.person_facts == {"assistance": "dibao_urban"}


@pytest.mark.parametrize(
    "kind,related,needed",
    [
        ("none", {}, False),
        ("dibao_rural", {}, True),
        ("tekun", hukou("completed"), True),
        ("tekun", hukou("declined"), False),
        ("dibao_rural", hukou("declined"), True),  # may still convert with a residence permit
    ],
)
def test_applies(kind, related, needed):
    assert needs_assistance_case(ctx(kind, related=related))[0] is needed
