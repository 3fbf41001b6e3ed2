"""Facts are typed: rules read attributes, and a key nobody declared is refused."""

import pytest

from workflows.base import Action, Context, Procedure, State
from workflows.facts import CaseFacts, FactError, HouseholdFacts, PersonFacts
from workflows.hukou import PROCEDURE as HUKOU


def test_the_engines_flat_mapping_is_sorted_into_household_and_person_facts():
    ctx = Context(
        facts={
            "settlement_mode": "centralized",
            "lives_at_destination": True,
            "origin_name": "段村村",
            "party_status": "full",
            "hukou_moved": True,
            "hukou_moved_on": "2026-11-01",
        }
    )
    assert ctx.facts.household == HouseholdFacts(
        settlement_mode="centralized", lives_at_destination=True, origin_name="段村村"
    )
    assert ctx.facts.person.party_status == "full"
    assert ctx.facts.person.hukou_moved and ctx.facts.person.hukou_moved_on == "2026-11-01"
    assert Context(facts=ctx.facts).facts is ctx.facts, "typed facts are kept as they are"


def test_none_means_unknown_and_keeps_the_default():
    facts = CaseFacts.from_mapping({"site_kind": None, "moved_on": None, "birth_date": None})
    assert facts == CaseFacts()


def test_an_unknown_fact_is_refused_with_the_likely_key():
    with pytest.raises(FactError, match="unknown fact 'hukou_movd'.*'hukou_moved'"):
        Context(facts={"hukou_movd": True})
    with pytest.raises(FactError, match="unknown fact 'colour'"):
        CaseFacts.from_mapping({"colour": "red"})


@pytest.mark.parametrize(
    "key,value",
    [("lives_at_destination", "yes"), ("origin_name", 7), ("scope", True), ("hukou_moved", 1)],
)
def test_a_fact_of_the_wrong_type_is_refused(key, value):
    with pytest.raises(FactError, match=f"fact '{key}'"):
        CaseFacts.from_mapping({key: value})


def test_facts_are_frozen():
    facts = CaseFacts.from_mapping({"hukou_moved": True})
    with pytest.raises(AttributeError):
        facts.person.hukou_moved = False  # type: ignore[misc]


def test_what_a_procedure_records_about_a_person_is_checked_too():
    typo = Procedure(
        name="sample",
        label="示例",
        initial="open",
        states=[State("open", "受理"), State("done", "办结", final=True)],
        actions=[
            Action("close", "open", "done", "办结", person_facts=lambda c: {"pension_moved": True})
        ],
    )
    with pytest.raises(FactError, match="'pension_moved'"):
        typo.decide("open", "close", {}, Context())
    assert PersonFacts.check_recorded({"hukou_moved": True, "hukou_option": None}) == {
        "hukou_moved": True
    }


def test_every_procedure_records_only_known_person_facts():
    ctx = Context(
        facts={"settlement_mode": "centralized", "lives_at_destination": True},
        case_data={"option": "site_address", "proposed_address": "幸福路88号1栋1单元101号"},
    )
    raw = {"new_address": "幸福路88号1栋1单元101号", "registered_on": ctx.today.isoformat()}
    d = HUKOU.decide("police_review", "approve", raw, ctx)
    assert PersonFacts(**d.person_facts).hukou_moved is True
