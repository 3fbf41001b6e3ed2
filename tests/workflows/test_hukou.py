"""Household registration options, table-driven over every combination of the facts."""

import itertools

import pytest

from workflows.base import Context, InvalidAction, RuleViolation
from workflows.hukou import PROCEDURE, HukouOption, needs_hukou_case, option_eligibility

A, B, C = HukouOption.VILLAGE_GROUP, HukouOption.SITE_ADDRESS, HukouOption.TOWNSHIP_COLLECTIVE


def expected(housing, lives, homestead, land, centralized):
    """The policy, written out independently of the implementation."""
    a = (housing and lives) or homestead or land
    b = centralized and lives
    c = not a and not b
    return {A: a, B: b, C: c}


COMBOS = list(itertools.product([False, True], repeat=5))


@pytest.mark.parametrize("housing,lives,homestead,land,centralized", COMBOS)
def test_eligibility_every_combination(housing, lives, homestead, land, centralized):
    facts = {
        "has_destination_housing": housing,
        "lives_at_destination": lives,
        "has_destination_homestead": homestead,
        "has_destination_contracted_land": land,
        "settlement_mode": "centralized" if centralized else "scattered",
    }
    result = option_eligibility(facts)
    assert {o: e.allowed for o, e in result.items()} == expected(
        housing, lives, homestead, land, centralized
    )
    assert all(e.reason for e in result.values()), "every option explains itself"
    allowed = [o for o, e in result.items() if e.allowed]
    assert allowed, "some option is always available"
    assert not (result[C].allowed and (result[A].allowed or result[B].allowed))


def test_housing_without_living_there_is_not_enough_for_a():
    r = option_eligibility({"has_destination_housing": True, "lives_at_destination": False})
    assert not r[A].allowed and "未实际居住" in r[A].reason
    assert r[C].allowed


def _ctx(**facts):
    base = {
        "settlement_mode": "centralized",
        "lives_at_destination": True,
        "site_address": "幸福路88号",
    }
    return Context(facts={**base, **facts})


def test_only_allowed_options_are_offered():
    field = PROCEDURE.action("submit", "application").fields[0]
    assert [v for v, _ in field.resolve_choices(_ctx())] == [B.value]
    assert [v for v, _ in field.resolve_choices(_ctx(has_destination_homestead=True))] == [
        A.value,
        B.value,
    ]


def test_choosing_a_forbidden_option_is_refused_with_the_household_reason():
    """The reason is the one the household page shows for that option, not a generic one."""
    ctx = _ctx()
    for option in (A, C):
        with pytest.raises(RuleViolation) as e:
            PROCEDURE.decide("application", "submit", {"option": option.value}, ctx)
        reason = option_eligibility(ctx.facts)[option].reason
        assert e.value.errors == {"option": f"不能选择“{option.label}”：{reason}"}
    assert "无农村住房" in option_eligibility(ctx.facts)[A].reason


def test_a_value_that_is_no_option_is_refused_as_invalid():
    with pytest.raises(RuleViolation) as e:
        PROCEDURE.decide("application", "submit", {"option": "elsewhere"}, _ctx())
    assert e.value.errors == {"option": "“落户方式”的选项无效"}


def test_site_address_needs_building_unit_door():
    with pytest.raises(RuleViolation) as e:
        PROCEDURE.decide("application", "submit", {"option": B.value, "building": "3"}, _ctx())
    assert set(e.value.errors) == {"unit", "door"}
    d = PROCEDURE.decide(
        "application",
        "submit",
        {"option": B.value, "building": "3", "unit": "2", "door": "501"},
        _ctx(),
    )
    assert d.dest == "police_review"
    assert d.record["proposed_address"] == "幸福路88号3栋2单元501号"


def test_decline_is_an_end_state_recording_residence_permit():
    d = PROCEDURE.decide("application", "decline", {"residence_permit": "y"}, _ctx())
    assert d.final and d.outcome == "declined"
    assert d.person_facts == {"hukou_moved": False, "residence_permit": True}


def test_police_approval_records_address_and_date():
    ctx = Context(facts=_ctx().facts, case_data={"option": B.value})
    d = PROCEDURE.decide(
        "police_review",
        "approve",
        {"new_address": "幸福路88号3栋", "registered_on": "2026-11-01"},
        ctx,
    )
    assert d.final and d.outcome == "completed"
    assert d.person_facts["hukou_moved"] is True
    assert d.person_facts["hukou_moved_on"] == "2026-11-01"


def test_registration_date_cannot_be_in_the_future():
    ctx = _ctx()
    future = ctx.today.replace(year=ctx.today.year + 1).isoformat()
    with pytest.raises(RuleViolation):
        PROCEDURE.decide(
            "police_review", "approve", {"new_address": "x", "registered_on": future}, ctx
        )


def test_return_requires_a_reason():
    with pytest.raises(RuleViolation) as e:
        PROCEDURE.decide("police_review", "return", {"reason": "  "}, _ctx())
    assert "reason" in e.value.errors


def test_actions_are_refused_in_the_wrong_state():
    with pytest.raises(InvalidAction):
        PROCEDURE.decide("application", "approve", {}, _ctx())
    with pytest.raises(InvalidAction):
        PROCEDURE.decide("completed", "submit", {"option": B.value}, _ctx())


def test_moved_person_needs_no_new_case():
    assert needs_hukou_case(_ctx())[0] is True
    assert needs_hukou_case(_ctx(hukou_moved=True)) == (False, "户口已迁入安置地")
