"""The machine of each procedure says which triggers exist where, where they go and when."""

from datetime import date

import pytest

from workflows.base import (
    Action,
    Branch,
    Context,
    Field,
    Guard,
    InvalidAction,
    Procedure,
    RelatedCase,
    State,
)
from workflows.diagram import diagram
from workflows.registry import PROCEDURES

TRIGGERS = {
    "hukou": {
        "application": {"submit", "decline"},
        "police_review": {"approve", "return"},
        "completed": set(),
        "declined": set(),
    },
    "party": {
        "origin_record": {"record"},
        "township_review": {"propose", "return", "decoupled"},
        "county_approval": {"approve", "return", "decoupled"},
        "receiving": {"receive"},
        "arranging": {"arrange", "decoupled"},
        "transferred": set(),
        "dual_affiliation": set(),
    },
    "collective_membership": {
        "application": {"publish", "keep_origin"},
        "publicity": {"object", "record_vote"},
        "objection": {"dismiss", "uphold"},
        "confirmed": set(),
        "rejected": set(),
        "kept_origin": set(),
    },
    "pension": {
        "assessment": {"route"},
        "waiting_hukou": {"hukou_settled"},
        "choice": {"choose_transfer", "choose_keep"},
        "agency": {"complete"},
        **{s: set() for s in ("transferred", "kept_at_origin", "not_required")},
        **{s: set() for s in ("benefits_continue", "not_insured")},
    },
    "medical": {
        "screening": {"screen"},
        "wish": {"record_wish"},
        "origin_agency": {"handle"},
        "destination_agency": {"enroll"},
        "follow_up": {"enrolled"},
        **{s: set() for s in ("transferred", "filed", "kept", "enrolled", "unchanged")},
    },
    "assistance": {
        "application": {"apply", "kept_before_application", "stay_at_origin"},
        "waiting_hukou": {"hukou_moved", "hukou_kept"},
        "origin_report": {"report"},
        "bureau_issue": {"issue"},
        "destination_bureau": {"accept"},
        "destination_township": {"start_payment"},
        "conversion_origin": {"convert"},
        "conversion_destination": {"convert"},
        **{s: set() for s in ("transferred", "converted", "stays_at_origin")},
    },
}


@pytest.mark.parametrize("name", sorted(PROCEDURES))
def test_the_machine_answers_the_triggers_of_every_state(name):
    p = PROCEDURES[name]
    assert set(p.machine.states) == set(TRIGGERS[name])
    for state, triggers in TRIGGERS[name].items():
        assert set(p.machine.get_triggers(state)) == triggers, (name, state)
        assert {a.trigger for a in p.actions_in(state)} == triggers
        assert p.has_system_actions(state) == any(a.system for a in p.actions_in(state))


@pytest.mark.parametrize(
    "name,state,trigger,dests",
    [
        ("party", "county_approval", "approve", ["receiving", "arranging"]),
        ("collective_membership", "publicity", "record_vote", ["confirmed", "rejected"]),
        ("medical", "wish", "record_wish", ["unchanged", "kept", "origin_agency"]),
        ("medical", "origin_agency", "handle", ["filed", "destination_agency"]),
        ("assistance", "bureau_issue", "issue", ["destination_township", "destination_bureau"]),
        ("hukou", "police_review", "return", ["application"]),
    ],
)
def test_branches_are_conditional_transitions_tried_before_the_plain_destination(
    name, state, trigger, dests
):
    ways = PROCEDURES[name].machine.get_transitions(trigger, source=state)
    assert [t.dest for t in ways] == dests
    assert all(t.conditions for t in ways[:-1]), "each branch has its condition"


def test_an_action_missing_from_a_state_is_refused():
    with pytest.raises(InvalidAction, match="派出所审核办理"):
        PROCEDURES["hukou"].decide("police_review", "submit", {}, Context())
    with pytest.raises(InvalidAction):
        PROCEDURES["hukou"].decide("nowhere", "submit", {}, Context())


def test_a_condition_not_met_refuses_with_its_reason():
    facts = {"origin_code": "411221205201", "destination_code": "411221100201"}
    during = Context(
        facts=facts, case_data={"publicity_ends_on": "2026-11-08"}, today=date(2026, 11, 8)
    )
    p = PROCEDURES["collective_membership"]
    assert "record_vote" not in {a.trigger for a in p.available_actions("publicity", during)}
    with pytest.raises(InvalidAction, match="公示期满后方可表决"):
        p.decide("publicity", "record_vote", {}, during)


def test_an_unless_condition_refuses_with_its_reason():
    pending = RelatedCase("hukou", "police_review", None, {})
    ctx = Context(
        facts={"pension_status": "contributing", "scope": "cross_province"},
        related={"hukou": pending},
    )
    p = PROCEDURES["pension"]
    assert p.available_actions("waiting_hukou", ctx, system=True) == []
    with pytest.raises(InvalidAction, match="户籍尚未迁移，待户口迁移办结"):
        p.decide("waiting_hukou", "hukou_settled", {}, ctx)


def test_a_condition_without_a_reason_names_the_action():
    p = PROCEDURES["party"]
    ctx = Context(facts={"party_status": "full"}, case_data={"wish": "move"})
    with pytest.raises(InvalidAction, match="已“三脱钩”，应转入迁入地党组织"):
        p.decide("county_approval", "decoupled", {}, ctx)


def _limited(reason: str = "一次不能超过5份") -> Procedure:
    """A procedure whose condition reads the submitted data (checked once it is clean)."""
    return Procedure(
        name="sample",
        label="示例",
        initial="open",
        states=[State("open", "受理"), State("big", "大宗"), State("done", "办结", final=True)],
        actions=[
            Action(
                "issue",
                "open",
                "done",
                "发放",
                fields=(Field("copies", "份数", "int"),),
                when=(Guard(lambda ctx: ctx.data.get("copies", 0) <= 5, reason),),
                branches=(Branch(lambda ctx: ctx.data["copies"] > 3, "big"),),
            )
        ],
    )


def test_a_condition_on_the_data_refuses_after_the_form_is_clean():
    p = _limited()
    assert [a.trigger for a in p.available_actions("open", Context())] == ["issue"]
    assert p.decide("open", "issue", {"copies": "2"}, Context()).dest == "done"
    assert p.decide("open", "issue", {"copies": "4"}, Context()).dest == "big"
    with pytest.raises(InvalidAction, match="一次不能超过5份"):
        p.decide("open", "issue", {"copies": "7"}, Context())
    with pytest.raises(InvalidAction, match="该操作的条件不满足"):
        _limited(reason="").decide("open", "issue", {"copies": "7"}, Context())


@pytest.mark.parametrize("name", sorted(PROCEDURES))
def test_the_diagram_draws_every_transition_of_the_machine(name):
    p = PROCEDURES[name]
    drawn = {(link["source"], link["target"], link["conditional"]) for link in diagram(p)["links"]}
    machine = set()
    for state in p.machine.states:
        for trigger in p.machine.get_triggers(state):
            *branches, plain = p.machine.get_transitions(trigger, source=state)
            machine |= {(state, t.dest, True) for t in branches} | {(state, plain.dest, False)}
    assert drawn == machine
    assert len(diagram(p)["links"]) == len(p.machine.get_transitions())
    assert {n["id"] for n in diagram(p)["nodes"]} == set(p.machine.states)
