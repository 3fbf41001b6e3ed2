"""The engine: permission (role × jurisdiction × state × version), one transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW, race
from transfers.cases.models import Case, Event
from transfers.cases.services import open_intake
from transfers.engine import (
    InvalidAction,
    PermissionDenied,
    RuleViolation,
    StaleVersion,
    act,
    claim,
    open_task,
    release,
)
from transfers.engine.errors import DuplicateCase
from transfers.engine.verify import verify_chains
from transfers.tasks.models import Task
from workflows.roles import Role

SUBMIT = {"option": "site_address", "building": "3", "unit": "2", "door": "501"}


@pytest.fixture()
def setup(db, make_user, make_household):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    police = make_user(Role.POLICE_STATION, "411221100")
    hh = make_household()
    intake = open_intake(household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW)
    db.session.commit()
    return staff, police, hh, intake.cases[0]


def counts(db):
    return tuple(
        db.session.scalar(select(func.count()).select_from(m)) for m in (Case, Task, Event)
    )


def snapshot(db, case):
    db.session.expire_all()
    c = db.session.get(Case, case.id)
    return (c.state, c.version, c.data, counts(db))


def test_open_case_creates_first_task_with_due_date_and_event(db, setup):
    staff, police, hh, case = setup
    task = open_task(case)
    assert case.state == "application" and case.version >= 1
    assert task.role == Role.VILLAGE_STAFF and task.jurisdiction.code == "411221100201"
    assert task.due_on.isoformat() == "2026-11-16"  # 10 working days after Mon 2026-11-02
    assert [e.kind for e in case.events] == ["opened"]
    assert case.intake.receipt_no == "411221-20261102-0001"


def test_full_journey_staff_then_police(db, setup):
    staff, police, hh, case = setup
    v = case.version
    act(case_id=case.id, action="submit", actor=staff, seen_version=v, data=SUBMIT, now=NOW)
    db.session.commit()
    task = open_task(case)
    assert case.state == "police_review" and case.version == v + 1
    assert task.role == Role.POLICE_STATION and task.jurisdiction.code == "411221100"
    later = NOW + timedelta(days=3)
    act(
        case_id=case.id,
        action="approve",
        actor=police,
        seen_version=v + 1,
        data={"new_address": "幸福路88号3栋2单元501号", "registered_on": "2026-11-05"},
        now=later,
    )
    db.session.commit()
    assert case.state == "completed" and case.outcome == "completed" and case.closed_at == later
    assert open_task(case) is None
    assert case.person.facts["hukou_moved"] is True
    assert [(e.kind, e.to_state) for e in case.events] == [
        ("opened", "application"),
        ("transition", "police_review"),
        ("transition", "completed"),
    ]
    closed = db.session.scalars(select(Task).where(Task.case_id == case.id)).all()
    assert all(t.closed_at is not None for t in closed) and len(closed) == 2
    assert verify_chains().problems == []


@pytest.mark.parametrize(
    "who,version,action,error",
    [
        ("police", 1, "submit", PermissionDenied),  # wrong role
        ("other_staff", 1, "submit", PermissionDenied),  # right role, sibling village
        ("township_staff", 1, "submit", PermissionDenied),  # role at the parent, not the village
        ("staff", 1, "approve", InvalidAction),  # wrong state
        ("staff", 0, "submit", StaleVersion),  # stale version
    ],
)
def test_refusals_write_nothing(db, setup, make_user, who, version, action, error):
    staff, police, hh, case = setup
    actors = {
        "staff": staff,
        "police": police,
        "other_staff": make_user(Role.VILLAGE_STAFF, "411221100202"),
        "township_staff": make_user(Role.VILLAGE_STAFF, "411221100"),
    }
    before = snapshot(db, case)
    seen = case.version if version else case.version - 1
    with pytest.raises(error):
        act(
            case_id=case.id,
            action=action,
            actor=actors[who],
            seen_version=seen,
            data=SUBMIT,
            now=NOW,
        )
    db.session.rollback()
    assert snapshot(db, case) == before


def test_rule_violation_writes_nothing(db, setup):
    staff, police, hh, case = setup
    before = snapshot(db, case)
    with pytest.raises(RuleViolation):
        act(
            case_id=case.id,
            action="submit",
            actor=staff,
            seen_version=case.version,
            data={"option": "township_collective"},
            now=NOW,
        )
    db.session.rollback()
    assert snapshot(db, case) == before


def test_claim_blocks_colleagues_and_release_frees(db, setup, make_user):
    staff, police, hh, case = setup
    colleague = make_user(Role.VILLAGE_STAFF, "411221100201")
    task = open_task(case)
    claim(task_id=task.id, actor=staff, now=NOW)
    db.session.commit()
    with pytest.raises(StaleVersion):
        claim(task_id=task.id, actor=colleague, now=NOW)
    db.session.rollback()
    with pytest.raises(PermissionDenied):
        act(
            case_id=case.id,
            action="submit",
            actor=colleague,
            seen_version=None,
            data=SUBMIT,
            now=NOW,
        )
    db.session.rollback()
    with pytest.raises(PermissionDenied):
        release(task_id=task.id, actor=colleague, now=NOW)
    db.session.rollback()
    release(task_id=task.id, actor=staff, now=NOW)
    db.session.commit()
    act(case_id=case.id, action="submit", actor=colleague, seen_version=None, data=SUBMIT, now=NOW)
    db.session.commit()
    assert case.state == "police_review"


def test_duplicate_open_case_is_refused(db, setup):
    staff, police, hh, case = setup
    with pytest.raises(DuplicateCase):
        open_intake(household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_staff_of_other_village_cannot_open_cases(db, setup, make_user):
    staff, police, hh, case = setup
    other = make_user(Role.VILLAGE_STAFF, "411221101201")
    with pytest.raises(PermissionDenied):
        open_intake(household=hh, requests=[(hh.members[1], "hukou")], actor=other, now=NOW)


def test_receipt_numbers_count_per_county_and_day(db, setup, make_household):
    staff, police, hh, case = setup
    hh2 = make_household()
    i2 = open_intake(household=hh2, requests=[(hh2.members[0], "hukou")], actor=staff, now=NOW)
    i3 = open_intake(
        household=hh2,
        requests=[(hh2.members[1], "hukou")],
        actor=staff,
        now=NOW + timedelta(days=1),
    )
    assert i2.receipt_no == "411221-20261102-0002"
    assert i3.receipt_no == "411221-20261103-0001"


def test_two_approvers_at_once_exactly_one_wins(app, db, setup, make_user):
    """Two sessions act on the same task concurrently: one wins, one is told it is stale."""
    staff, police, hh, case = setup
    staff2 = make_user(Role.VILLAGE_STAFF, "411221100201")
    seen = case.version

    def submit(actor):  # type: ignore[no-untyped-def]
        act(case_id=case.id, action="submit", actor=actor, seen_version=seen, data=SUBMIT, now=NOW)

    results = race(app, [staff.id, staff2.id], submit)
    assert results == ["stale", "won"], results
    db.session.expire_all()
    transitions = db.session.scalars(
        select(Event).where(Event.case_id == case.id, Event.kind == "transition")
    ).all()
    assert len(transitions) == 1
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Task)
            .where(Task.case_id == case.id, Task.closed_at.is_(None))
        )
        == 1
    )
