"""docs/policy.md §4: every row of the pension decision table, and 代缴 without a gap."""

import pytest

from workflows.base import Context, RelatedCase, RuleViolation
from workflows.pension import (
    PROCEDURE,
    PensionDecision,
    contribution_gap_years,
    needs_pension_case,
    pension_decision,
)

D = PensionDecision
SAME, CROSS_COUNTY, CROSS_PROVINCE = "same_county", "cross_county_same_province", "cross_province"


@pytest.mark.parametrize(
    "status,hukou,scope,expected",
    [
        # already receiving benefits: no transfer in any case
        *[
            ("receiving", h, s, D.BENEFITS_CONTINUE)
            for h in ("moved", "pending", "kept")
            for s in (SAME, CROSS_COUNTY, CROSS_PROVINCE)
        ],
        # same county: not required, whatever the hukou
        *[("contributing", h, SAME, D.NOT_REQUIRED) for h in ("moved", "pending", "kept")],
        # hukou not moved: wait on the hukou case
        ("contributing", "pending", CROSS_COUNTY, D.WAIT_FOR_HUKOU),
        ("contributing", "pending", CROSS_PROVINCE, D.WAIT_FOR_HUKOU),
        # hukou kept at origin: the relation stays at the hukou place
        ("contributing", "kept", CROSS_COUNTY, D.STAYS_AT_HUKOU_PLACE),
        ("contributing", "kept", CROSS_PROVINCE, D.STAYS_AT_HUKOU_PLACE),
        # hukou moved
        ("contributing", "moved", CROSS_COUNTY, D.PERSON_CHOOSES),
        ("contributing", "moved", CROSS_PROVINCE, D.MUST_TRANSFER),
        # not insured: nothing to transfer
        ("none", "moved", CROSS_PROVINCE, D.NOT_INSURED),
    ],
)
def test_decision_table(status, hukou, scope, expected):
    assert pension_decision(status, hukou, scope) is expected


def ctx(status="contributing", scope=CROSS_PROVINCE, hukou=None, poor=False, **kw):
    related = {}
    if hukou:
        final = hukou in ("completed", "declined")
        related["hukou"] = RelatedCase("hukou", hukou, hukou if final else None, {})
    facts = {
        "pension_status": status,
        "scope": scope,
        "registered_poor": poor,
        "origin_name": "历山村",
    }
    return Context(facts=facts, related=related, **kw)


@pytest.mark.parametrize(
    "c,dest",
    [
        (ctx("receiving"), "benefits_continue"),
        (ctx(scope=SAME), "not_required"),
        (ctx(), "waiting_hukou"),
        (ctx(hukou="declined"), "kept_at_origin"),
        (ctx(hukou="completed", scope=CROSS_COUNTY), "choice"),
        (ctx(hukou="completed"), "agency"),
        (ctx("none"), "not_insured"),
    ],
)
def test_routing_on_open(c, dest):
    [route] = PROCEDURE.available_actions("assessment", c, system=True)
    d = PROCEDURE.decide("assessment", route.trigger, {}, c)
    assert d.dest == dest
    if d.final:
        assert d.record["coverage"], "a closed case says where the person is covered"


def test_waiting_case_moves_when_hukou_settles():
    assert (
        PROCEDURE.available_actions("waiting_hukou", ctx(hukou="police_review"), system=True) == []
    )
    [a] = PROCEDURE.available_actions("waiting_hukou", ctx(hukou="completed"), system=True)
    assert PROCEDURE.decide("waiting_hukou", a.trigger, {}, ctx(hukou="completed")).dest == "agency"
    c = ctx(hukou="completed", scope=CROSS_COUNTY)
    assert PROCEDURE.decide("waiting_hukou", a.trigger, {}, c).dest == "choice"
    assert (
        PROCEDURE.decide("waiting_hukou", a.trigger, {}, ctx(hukou="declined")).dest
        == "kept_at_origin"
    )


def test_applies_only_when_a_transfer_may_be_needed():
    assert needs_pension_case(ctx())[0] is True
    assert needs_pension_case(ctx("receiving"))[0] is False
    assert needs_pension_case(ctx(scope=SAME))[0] is False


def test_government_paid_contribution_gap_is_visible_and_refuses_the_close():
    assert contribution_gap_years(2026, 2027) == []
    assert contribution_gap_years(2025, 2027) == [2026]
    c = ctx(poor=True, hukou="completed")
    with pytest.raises(RuleViolation) as e:
        PROCEDURE.decide("agency", "complete", {"transferred_on": "2026-11-05"}, c)
    assert set(e.value.errors) == {"origin_last_paid_year", "destination_first_paid_year"}
    with pytest.raises(RuleViolation) as e:
        PROCEDURE.decide(
            "agency",
            "complete",
            {
                "transferred_on": "2026-11-05",
                "origin_last_paid_year": "2025",
                "destination_first_paid_year": "2027",
            },
            c,
        )
    assert "2026年度未代缴" in e.value.errors["coverage"]
    d = PROCEDURE.decide(
        "agency",
        "complete",
        {
            "transferred_on": "2026-11-05",
            "origin_last_paid_year": "2026",
            "destination_first_paid_year": "2027",
        },
        c,
    )
    assert d.dest == "transferred" and d.record["contribution_gap_years"] == []


def test_not_poor_transfer_needs_no_contribution_years():
    d = PROCEDURE.decide(
        "agency", "complete", {"transferred_on": "2026-11-05"}, ctx(hukou="completed")
    )
    assert d.dest == "transferred" and "转入户籍地" in d.record["coverage"]
