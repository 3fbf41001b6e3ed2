"""Dependency re-evaluation and 五个不变 in the engine (procedure-agnostic)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW
from transfers.cases.models import Case, Event
from transfers.cases.services import open_intake
from transfers.engine import RuleViolation, act, open_task
from transfers.engine.verify import verify_chains
from transfers.tasks.models import Task
from workflows.roles import Role

SUBMIT = {"option": "site_address", "building": "3", "unit": "2", "door": "501"}


@pytest.fixture()
def cross_province(db, make_user, make_household):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    police = make_user(Role.POLICE_STATION, "411221100")
    hh = make_household(origin="140827203201", area="140827", members=1)
    person = hh.members[0]
    person.assistance = "tekun"
    db.session.commit()
    intake = open_intake(
        household=hh,
        requests=[(person, "hukou"), (person, "pension"), (person, "assistance")],
        actor=staff,
        now=NOW,
    )
    db.session.commit()
    cases = {c.procedure: c for c in intake.cases}
    return staff, police, person, cases


def texts(case):
    return [e.data.get("text", "") for e in case.events if e.kind == "reevaluated"]


def test_pension_opens_waiting_without_a_task(db, cross_province):
    staff, police, person, cases = cross_province
    pension = cases["pension"]
    assert pension.state == "waiting_hukou" and open_task(pension) is None
    assert texts(pension) == ["等待户口迁移办结"]
    kinds = [(e.kind, e.actor_id) for e in pension.events]
    assert kinds[0] == ("opened", staff.id) and ("transition", None) in kinds


def test_hukou_changes_are_recorded_on_dependents_and_completion_unblocks(db, cross_province):
    staff, police, person, cases = cross_province
    hukou, pension, assistance = cases["hukou"], cases["pension"], cases["assistance"]
    act(
        case_id=assistance.id,
        action="apply",
        actor=staff,
        seen_version=None,
        data={"path": "transfer", "applied_on": "2026-11-02"},
        now=NOW,
    )
    db.session.commit()
    assert assistance.state == "waiting_hukou"
    act(case_id=hukou.id, action="submit", actor=staff, seen_version=None, data=SUBMIT, now=NOW)
    db.session.commit()
    assert texts(pension)[-1] == "继续等待户口迁移办结（当前：派出所审核办理）"
    later = NOW + timedelta(days=2)
    act(
        case_id=hukou.id,
        action="approve",
        actor=police,
        seen_version=None,
        data={"new_address": "幸福路88号", "registered_on": "2026-11-03"},
        now=later,
    )
    db.session.commit()
    db.session.expire_all()
    pension = db.session.get(Case, pension.id)
    assistance = db.session.get(Case, assistance.id)
    assert pension.state == "agency" and assistance.state == "origin_report"
    assert "因户口迁移（已落户）解除等待" in texts(pension)[-1]
    assert open_task(pension).role == Role.SOCIAL_INSURANCE_AGENCY
    assert open_task(assistance).role == Role.TOWNSHIP_GOVERNMENT
    assert open_task(assistance).jurisdiction.code == "140827203"  # origin township
    assert verify_chains().problems == []


def test_declined_hukou_closes_waiting_cases_where_the_person_stays_covered(db, cross_province):
    staff, police, person, cases = cross_province
    act(
        case_id=cases["hukou"].id,
        action="decline",
        actor=staff,
        seen_version=None,
        data={"residence_permit": "y"},
        now=NOW,
    )
    db.session.commit()
    db.session.expire_all()
    pension = db.session.get(Case, cases["pension"].id)
    assert pension.state == "kept_at_origin" and pension.closed_at is not None
    assert "在原参保地（历山村）继续参保缴费" in pension.data["coverage"]


def test_refusal_on_the_cause_writes_nothing_on_dependents(db, cross_province):
    staff, police, person, cases = cross_province
    before = db.session.scalar(select(func.count()).select_from(Event))
    with pytest.raises(RuleViolation):
        act(
            case_id=cases["hukou"].id,
            action="submit",
            actor=staff,
            seen_version=None,
            data={"option": "site_address"},
            now=NOW,
        )
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Event)) == before


def test_close_that_would_leave_a_gap_is_refused_and_writes_nothing(db, make_user, make_household):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    agency = make_user(Role.MEDICAL_INSURANCE_AGENCY, "411221")
    hh = make_household(members=1)
    person = hh.members[0]
    person.medical_insurance = "none"
    db.session.commit()
    intake = open_intake(household=hh, requests=[(person, "medical")], actor=staff, now=NOW)
    db.session.commit()
    case = intake.cases[0]
    assert case.state == "follow_up"
    before = (case.version, db.session.scalar(select(func.count()).select_from(Event)))
    with pytest.raises(RuleViolation) as e:
        act(
            case_id=case.id,
            action="enrolled",
            actor=agency,
            seen_version=None,
            data={"insurance": "resident"},
            now=NOW,
        )
    db.session.rollback()
    assert "enrolled_on" in e.value.errors
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.version, db.session.scalar(select(func.count()).select_from(Event))) == before
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Task)
            .where(Task.case_id == case.id, Task.closed_at.is_(None))
        )
        == 1
    )


def test_party_case_re_evaluated_when_membership_confirmed(db, make_user, make_household):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    police = make_user(Role.POLICE_STATION, "411221100")
    branch = make_user(Role.ORIGIN_PARTY_ORG, "411221205201")
    org = make_user(Role.COLLECTIVE_ORG, "411221100201")
    hh = make_household(members=1)
    person = hh.members[0]
    person.party_status = "full"
    db.session.commit()
    intake = open_intake(
        household=hh,
        requests=[(person, "hukou"), (person, "party"), (person, "collective_membership")],
        actor=staff,
        now=NOW,
    )
    db.session.commit()
    cases = {c.procedure: c for c in intake.cases}
    act(
        case_id=cases["party"].id,
        action="record",
        actor=branch,
        seen_version=None,
        data={"wish": "dual", "origin_organization": "段村村党支部", "ledger_no": "1"},
        now=NOW,
    )
    act(
        case_id=cases["hukou"].id,
        action="submit",
        actor=staff,
        seen_version=None,
        data=SUBMIT,
        now=NOW,
    )
    act(
        case_id=cases["hukou"].id,
        action="approve",
        actor=police,
        seen_version=None,
        data={"new_address": "幸福路88号", "registered_on": "2026-11-02"},
        now=NOW,
    )
    db.session.commit()
    assert cases["party"].state == "township_review"  # collective membership not yet detached
    assert "户籍已脱钩" in texts(cases["party"])[-1]
    assert "集体经济组织身份未脱钩" in texts(cases["party"])[-1]
    act(
        case_id=cases["collective_membership"].id,
        action="publish",
        actor=org,
        seen_version=None,
        data={
            "applied_on": "2026-11-02",
            "publicity_starts_on": "2026-11-02",
            "publicity_days": "7",
        },
        now=NOW,
    )
    vote_day = NOW + timedelta(days=10)
    act(
        case_id=cases["collective_membership"].id,
        action="record_vote",
        actor=org,
        seen_version=None,
        data={
            "body": "general_assembly",
            "body_size": "3",
            "in_favour": "2",
            "voted_on": "2026-11-12",
        },
        now=vote_day,
    )
    db.session.commit()
    db.session.expire_all()
    party = db.session.get(Case, cases["party"].id)
    assert party.state == "origin_record"
    assert "因集体经济组织成员身份确认（已确认成员身份）解除等待" in texts(party)[-1]
    assert party.data["decoupled"] is True
