"""三脱钩 derived from residence, the hukou and the membership cases."""

import itertools

import pytest

from workflows.base import Context, RelatedCase, RuleViolation
from workflows.party import (
    PROCEDURE,
    Wish,
    needs_party_case,
    three_decouplings,
    voting_rights,
)


def related(hukou=None, membership=None):
    out = {}
    if hukou:
        out["hukou"] = RelatedCase(
            "hukou", hukou, hukou if hukou in ("completed", "declined") else None, {}
        )
    if membership:
        final = membership in ("confirmed", "rejected", "kept_origin")
        out["collective_membership"] = RelatedCase(
            "collective_membership", membership, membership if final else None, {}
        )
    return out


# residence, hukou case state, origin member, membership case state -> decoupled parts
CASES = list(
    itertools.product(
        [True, False],
        [None, "police_review", "completed", "declined"],
        [True, False],
        [None, "publicity", "confirmed", "rejected", "kept_origin"],
    )
)


@pytest.mark.parametrize("lives,hukou,member,membership", CASES)
def test_three_decouplings_every_combination(lives, hukou, member, membership):
    facts = {"lives_at_destination": lives, "collective_member": member}
    d = three_decouplings(facts, related(hukou, membership))
    assert d.residence is lives
    assert d.hukou is (hukou == "completed")
    assert d.collective is (not member or membership == "confirmed")
    assert d.complete is (
        lives and hukou == "completed" and (not member or membership == "confirmed")
    )


def test_facts_from_closed_cases_also_count():
    facts = {
        "lives_at_destination": True,
        "hukou_moved": True,
        "collective_member": True,
        "origin_membership_ended_on": "2026-11-10",
    }
    assert three_decouplings(facts).complete


MEMBER = {"party_status": "full", "lives_at_destination": True, "collective_member": True}


def test_decoupled_member_must_move():
    facts = {**MEMBER, "hukou_moved": True, "collective_member": False}
    ctx = Context(facts=facts)
    field = PROCEDURE.action("record", "origin_record").fields[0]
    assert [v for v, _ in field.resolve_choices(ctx)] == [Wish.MOVE]
    with pytest.raises(RuleViolation) as refused:
        PROCEDURE.decide(
            "origin_record",
            "record",
            {"wish": "dual", "origin_organization": "段村村党支部", "ledger_no": "1"},
            ctx,
        )
    assert "已“三脱钩”，组织关系应当转入迁入地党组织" in refused.value.errors["wish"]
    assert "应当转入" in needs_party_case(ctx)[1]


def test_not_decoupled_member_chooses():
    ctx = Context(facts=MEMBER)
    field = PROCEDURE.action("record", "origin_record").fields[0]
    assert {v for v, _ in field.resolve_choices(ctx)} == {Wish.MOVE, Wish.DUAL}
    d = PROCEDURE.decide(
        "origin_record",
        "record",
        {"wish": "dual", "origin_organization": "段村村党支部", "ledger_no": "T-1"},
        ctx,
    )
    assert d.dest == "township_review" and d.record["decoupled"] is False
    assert "尚未“三脱钩”" in d.record["decoupling"]


@pytest.mark.parametrize("wish,dest", [("move", "receiving"), ("dual", "arranging")])
def test_county_approval_routes_by_wish(wish, dest):
    ctx = Context(facts=MEMBER, case_data={"wish": wish})
    assert PROCEDURE.decide("county_approval", "approve", {"opinion": "同意"}, ctx).dest == dest


def test_dual_arrangement_becomes_a_move_once_decoupled():
    facts = {**MEMBER, "collective_member": False}
    ctx = Context(facts=facts, case_data={"wish": "dual"}, related=related("police_review"))
    assert PROCEDURE.available_actions("county_approval", ctx, system=True) == []
    ctx = Context(facts=facts, case_data={"wish": "dual"}, related=related("completed"))
    [action] = PROCEDURE.available_actions("county_approval", ctx, system=True)
    assert PROCEDURE.decide("county_approval", action.trigger, {}, ctx).dest == "origin_record"


def test_closing_names_the_organization_five_unchanged():
    ctx = Context(facts=MEMBER, case_data={"wish": "move"})
    d = PROCEDURE.decide(
        "receiving",
        "receive",
        {"receiving_organization": "幸福社区党支部", "received_on": "2026-11-05"},
        ctx,
    )
    assert d.dest == "transferred" and d.record["coverage"] == "组织关系隶属幸福社区党支部"
    d = PROCEDURE.decide(
        "arranging",
        "arrange",
        {"life_organization": "幸福社区党支部", "arranged_on": "2026-11-05"},
        Context(facts=MEMBER, case_data={"wish": "dual", "origin_organization": "段村村党支部"}),
    )
    assert "隶属段村村党支部，在幸福社区党支部参加组织生活" in d.record["coverage"]


def test_non_members_need_no_case_and_voting_rights_stay_at_origin_until_moved():
    assert needs_party_case(Context(facts={"party_status": "none"}))[0] is False
    facts = {**MEMBER, "origin_name": "段村村"}
    assert "在段村村党组织行使" in voting_rights(facts, None)
    assert "迁入地" in voting_rights({**facts, "party_relation_moved": True}, None)
    assert voting_rights({"party_status": "none"}, None) == ""
