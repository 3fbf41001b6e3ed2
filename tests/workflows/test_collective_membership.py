"""The two-thirds rule of the whole body, every boundary, and the path."""

from datetime import date

import pytest

from workflows.base import Context, InvalidAction, RuleViolation
from workflows.collective_membership import (
    PROCEDURE,
    Tally,
    TallyError,
    decide_tally,
    needs_membership_case,
    passes,
    publicity_end,
    votes_needed,
)


@pytest.mark.parametrize(
    "body,in_favour,expected",
    [
        (100, 66, False),
        (100, 67, True),
        (3, 2, True),
        (3, 1, False),
        (9, 6, True),
        (9, 5, False),
        (6, 4, True),  # exactly two-thirds passes (以上 includes the bound)
        (6, 3, False),
        (1, 1, True),
        (1, 0, False),
        (300, 200, True),
        (300, 199, False),
    ],
)
def test_two_thirds_of_the_whole_body(body, in_favour, expected):
    assert passes(in_favour, body) is expected
    assert (in_favour >= votes_needed(body)) is expected


def test_two_thirds_uses_integers_for_every_size():
    for body in range(1, 400):
        need = votes_needed(body)
        assert passes(need, body) and not passes(need - 1, body)
        assert 3 * need >= 2 * body > 3 * (need - 1)


def test_absent_members_count_against():
    # 67 of 100 in favour passes even though only 70 came; 66 of 66 present fails.
    assert decide_tally(Tally(100, 67, 3, 0))
    assert not decide_tally(Tally(100, 66, 0, 0))


@pytest.mark.parametrize(
    "tally",
    [Tally(10, 8, 2, 1), Tally(10, 11), Tally(0, 0), Tally(5, 3, 3, 0)],
)
def test_more_votes_than_members_is_an_error(tally):
    with pytest.raises(TallyError):
        decide_tally(tally)


def test_publicity_period_default_seven_calendar_days():
    assert publicity_end(date(2026, 11, 2)) == date(2026, 11, 8)
    assert publicity_end(date(2026, 11, 2), 10) == date(2026, 11, 11)


FACTS = {
    "collective_member": True,
    "origin_code": "411221205201",
    "destination_code": "411221100201",
    "origin_name": "段村村",
    "destination_name": "幸福社区",
}


def _published(today=date(2026, 11, 20)):
    return Context(
        facts=FACTS,
        case_data={"publicity_starts_on": "2026-11-02", "publicity_ends_on": "2026-11-08"},
        today=today,
    )


def _vote(in_favour, body=9, against=0, abstaining=0, voted_on="2026-11-10"):
    return {
        "body": "general_assembly",
        "body_size": str(body),
        "in_favour": str(in_favour),
        "against": str(against),
        "abstaining": str(abstaining),
        "voted_on": voted_on,
    }


def test_vote_passes_confirms_and_origin_membership_ends_same_day():
    d = PROCEDURE.decide("publicity", "record_vote", _vote(6), _published())
    assert d.dest == "confirmed" and d.final
    assert d.record["membership_from"] == d.record["origin_membership_ended_on"] == "2026-11-10"
    assert d.person_facts["origin_membership_ended_on"] == "2026-11-10"
    assert "同日终止" in d.record["coverage"]


def test_vote_fails_rejects_and_keeps_origin_membership():
    d = PROCEDURE.decide("publicity", "record_vote", _vote(5), _published())
    assert d.dest == "rejected" and d.person_facts == {}
    assert "保留段村村集体经济组织成员身份" in d.record["coverage"]


def test_vote_with_too_many_votes_is_refused():
    with pytest.raises(RuleViolation) as e:
        PROCEDURE.decide(
            "publicity", "record_vote", _vote(6, against=3, abstaining=1), _published()
        )
    assert "超过表决机构总人数" in e.value.errors["in_favour"]


def test_no_vote_before_the_publicity_period_is_over():
    with pytest.raises(InvalidAction):
        PROCEDURE.decide("publicity", "record_vote", _vote(6), _published(date(2026, 11, 8)))
    with pytest.raises(RuleViolation) as e:
        PROCEDURE.decide("publicity", "record_vote", _vote(6, voted_on="2026-11-08"), _published())
    assert "公示期满" in e.value.errors["voted_on"]


def test_objection_dismissed_continues_upheld_rejects():
    ctx = _published()
    objection = {"objection": "非本村", "objector": "张三", "raised_on": "2026-11-03"}
    assert PROCEDURE.decide("publicity", "object", objection, ctx).dest == "objection"
    assert PROCEDURE.decide("objection", "dismiss", {"resolution": "核实"}, ctx).dest == "publicity"
    assert PROCEDURE.decide("objection", "uphold", {"resolution": "属实"}, ctx).dest == "rejected"


def test_publish_records_the_period():
    ctx = Context(facts=FACTS, today=date(2026, 11, 2))
    d = PROCEDURE.decide(
        "application",
        "publish",
        {"applied_on": "2026-11-01", "publicity_starts_on": "2026-11-02", "publicity_days": "7"},
        ctx,
    )
    assert d.record["publicity_ends_on"] == "2026-11-08" and d.record["publicity_days"] == 7


@pytest.mark.parametrize(("days", "ok"), [("0", False), ("1", True), ("60", True), ("61", False)])
def test_publicity_is_one_to_sixty_days_with_no_silent_default(days, ok):
    ctx = Context(facts=FACTS, today=date(2026, 11, 2))
    form = {"applied_on": "2026-11-01", "publicity_starts_on": "2026-11-02", "publicity_days": days}
    if ok:
        d = PROCEDURE.decide("application", "publish", form, ctx)
        assert d.record["publicity_days"] == int(days)
        return
    with pytest.raises(RuleViolation) as e:
        PROCEDURE.decide("application", "publish", form, ctx)
    assert "1至60天" in e.value.errors["publicity_days"]


def test_publicity_days_must_be_given():
    ctx = Context(facts=FACTS, today=date(2026, 11, 2))
    form = {"applied_on": "2026-11-01", "publicity_starts_on": "2026-11-02", "publicity_days": ""}
    with pytest.raises(RuleViolation) as e:
        PROCEDURE.decide("application", "publish", form, ctx)
    assert "publicity_days" in e.value.errors


def test_a_backdated_publicity_needs_its_reason_which_is_recorded():
    ctx = Context(facts=FACTS, today=date(2026, 11, 12))
    form = {"applied_on": "2026-11-01", "publicity_starts_on": "2026-11-02", "publicity_days": "7"}
    with pytest.raises(RuleViolation) as e:
        PROCEDURE.decide("application", "publish", form, ctx)
    assert "须说明原因" in e.value.errors["backdate_reason"]
    reason = "11月2日已在村务公开栏张贴"
    d = PROCEDURE.decide("application", "publish", {**form, "backdate_reason": reason}, ctx)
    assert d.record["backdate_reason"] == reason


def test_the_publicity_step_is_due_on_its_recorded_end():
    state = PROCEDURE.state("publicity")
    assert state.due_from({"publicity_ends_on": "2026-12-01"}) == date(2026, 12, 1)
    assert state.due_from({}) is None


def test_an_objection_records_who_raised_it_and_when():
    ctx = _published()
    form = {"objection": "非本村", "objector": "张三", "raised_on": "2026-11-03"}
    d = PROCEDURE.decide("publicity", "object", form, ctx)
    assert d.record["objector"] == "张三" and d.record["raised_on"] == "2026-11-03"
    with pytest.raises(RuleViolation) as e:
        PROCEDURE.decide("publicity", "object", {"objection": "非本村"}, ctx)
    assert "objector" in e.value.errors
    with pytest.raises(RuleViolation) as e:
        PROCEDURE.decide("publicity", "object", {**form, "raised_on": "2026-10-01"}, ctx)
    assert "公示期内" in e.value.errors["raised_on"]


@pytest.mark.parametrize(
    "facts,needed",
    [
        (FACTS, True),
        ({**FACTS, "destination_code": FACTS["origin_code"]}, False),  # same organization
        ({**FACTS, "collective_member": False}, False),
        ({**FACTS, "destination_collective_member": True}, False),
    ],
)
def test_only_across_collective_organizations(facts, needed):
    assert needs_membership_case(Context(facts=facts))[0] is needed


def test_keep_origin_is_an_end_state():
    d = PROCEDURE.decide("application", "keep_origin", {}, Context(facts=FACTS))
    assert d.dest == "kept_origin" and "保留" in d.record["coverage"]
