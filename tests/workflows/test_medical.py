"""Medical insurance: the person's wish within the province, transfer out across, monitoring."""

import pytest

from workflows.base import Context, RuleViolation
from workflows.medical import (
    PROCEDURE,
    MedicalWish,
    coverage_gap_days,
    monitoring_need,
    needs_medical_case,
    wishes_allowed,
)


def ctx(insurance="resident", scope="cross_county_same_province", **kw):
    facts = {"medical_insurance": insurance, "scope": scope, "origin_name": "宫前村"}
    return Context(facts=facts, **kw)


@pytest.mark.parametrize(
    "insurance,scope,dest",
    [
        ("none", "same_county", "follow_up"),
        ("lapsed", "cross_province", "follow_up"),
        ("resident", "same_county", "wish"),  # the person chooses, also within a county
        ("employee", "cross_county_same_province", "wish"),
        ("resident", "cross_province", "wish"),
    ],
)
def test_screening_opens_follow_up_tasks_automatically(insurance, scope, dest):
    c = ctx(insurance, scope)
    [a] = PROCEDURE.available_actions("screening", c, system=True)
    assert PROCEDURE.decide("screening", a.trigger, {}, c).dest == dest


def test_monitoring_labels():
    assert monitoring_need({"medical_insurance": "none"}) == "应保未保"
    assert "断保" in monitoring_need({"medical_insurance": "lapsed"})
    assert monitoring_need({"medical_insurance": "resident"}) == ""


@pytest.mark.parametrize(
    ("scope", "wish", "dest"),
    [
        ("same_county", "keep", "unchanged"),
        ("same_county", "transfer", "origin_agency"),
        ("same_county", "filing", "origin_agency"),
        ("same_city", "keep", "kept"),
        ("same_city", "transfer", "origin_agency"),
    ],
)
def test_within_a_county_or_city_the_person_chooses(scope, wish, dest):
    """Moves within one city or county respect the person's wish too: keep the relation,
    be insured at the destination (its agency takes it over) or file for off-site care."""
    assert {w.value for w in wishes_allowed(scope)} == {w.value for w in MedicalWish}
    d = PROCEDURE.decide("wish", "record_wish", {"wish": wish}, ctx(scope=scope))
    assert d.dest == dest


def test_within_a_county_a_transfer_keeps_coverage_continuous():
    c = ctx(
        scope="same_county", case_data={"wish": "transfer", "origin_covered_until": "2026-11-30"}
    )
    with pytest.raises(RuleViolation):
        PROCEDURE.decide("destination_agency", "enroll", {"covered_from": "2026-12-03"}, c)
    d = PROCEDURE.decide("destination_agency", "enroll", {"covered_from": "2026-12-01"}, c)
    assert d.dest == "transferred"


def test_cross_province_may_only_transfer_out():
    assert wishes_allowed("cross_province") == [MedicalWish.TRANSFER]
    assert set(wishes_allowed("cross_county_same_province")) == set(MedicalWish)
    with pytest.raises(RuleViolation) as e:
        PROCEDURE.decide("wish", "record_wish", {"wish": "filing"}, ctx(scope="cross_province"))
    assert e.value.errors["wish"].endswith("：跨省搬迁须按国家规定办理医保关系转出")


@pytest.mark.parametrize(
    "wish,dest",
    [("filing", "origin_agency"), ("transfer", "origin_agency"), ("keep", "kept")],
)
def test_wish_routes(wish, dest):
    assert PROCEDURE.decide("wish", "record_wish", {"wish": wish}, ctx()).dest == dest


def test_filing_closes_with_coverage_at_origin():
    c = ctx(case_data={"wish": "filing"})
    with pytest.raises(RuleViolation):
        PROCEDURE.decide("origin_agency", "handle", {}, c)
    d = PROCEDURE.decide("origin_agency", "handle", {"filing_no": "BA-1"}, c)
    assert d.dest == "filed" and "在宫前村参保" in d.record["coverage"]


def test_transfer_must_not_interrupt_coverage():
    c = ctx(case_data={"wish": "transfer"})
    d = PROCEDURE.decide("origin_agency", "handle", {"origin_covered_until": "2026-11-30"}, c)
    assert d.dest == "destination_agency"
    c = ctx(case_data={"wish": "transfer", "origin_covered_until": "2026-11-30"})
    with pytest.raises(RuleViolation) as e:
        PROCEDURE.decide("destination_agency", "enroll", {"covered_from": "2026-12-02"}, c)
    assert "断保1天" in e.value.errors["covered_from"]
    d = PROCEDURE.decide("destination_agency", "enroll", {"covered_from": "2026-12-01"}, c)
    assert d.dest == "transferred" and "2026-12-01" in d.record["coverage"]
    assert (
        coverage_gap_days(
            *map(__import__("datetime").date.fromisoformat, ("2026-11-30", "2026-12-01"))
        )
        == 0
    )


def test_follow_up_closes_only_with_enrollment():
    with pytest.raises(RuleViolation):
        PROCEDURE.decide("follow_up", "enrolled", {"insurance": "resident"}, ctx("none"))
    d = PROCEDURE.decide(
        "follow_up",
        "enrolled",
        {"insurance": "resident", "enrolled_on": "2026-11-03", "subsidy_applied": "y"},
        ctx("none"),
    )
    assert d.dest == "enrolled" and d.person_facts["medical_insurance"] == "resident"


def test_applies():
    assert needs_medical_case(ctx("none", "same_county"))[0] is True
    assert needs_medical_case(ctx("resident", "same_county"))[0] is True
    assert needs_medical_case(ctx("resident", "cross_province"))[0] is True
