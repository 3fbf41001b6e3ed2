"""Vote sessions: permission, all-or-nothing, one decision per session."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW
from transfers.cases.models import Case, Event
from transfers.cases.services import open_intake
from transfers.engine import PermissionDenied
from transfers.votes.models import VoteSession
from transfers.votes.services import (
    SessionError,
    Tallied,
    applicants_waiting,
    publish_session,
    record_votes,
)
from workflows.roles import Role


@pytest.fixture()
def applicants(db, make_user, make_household, geo):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    org = make_user(Role.COLLECTIVE_ORG, "411221100201")
    hh = make_household(members=3)
    open_intake(
        household=hh,
        requests=[(p, "collective_membership") for p in hh.members],
        actor=staff,
        now=NOW,
    )
    db.session.commit()
    village = geo["411221100201"]
    return org, village, applicants_waiting(village)


def publish(org, village, cases, **kw):
    args = dict(
        village=village,
        cases=cases,
        body="general_assembly",
        body_size=3,
        starts_on=date(2026, 11, 2),
        days=7,
        actor=org,
        now=NOW,
    )
    return publish_session(**{**args, **kw})


def test_only_the_villages_collective_organization_may_publish(db, applicants, make_user):
    org, village, cases = applicants
    other = make_user(Role.COLLECTIVE_ORG, "411221100202")
    with pytest.raises(PermissionDenied):
        publish(other, village, cases)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(VoteSession)) == 0


def test_publish_validates_before_writing(db, applicants):
    org, village, cases = applicants
    with pytest.raises(SessionError) as e:
        publish(org, village, [], body_size=0, days=0)
    assert set(e.value.errors) == {"cases", "body_size", "days"}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(VoteSession)) == 0


def test_record_is_all_or_nothing_and_only_once(db, applicants):
    org, village, cases = applicants
    session = publish(org, village, cases)
    db.session.commit()
    assert session.notice_no == "411221100201-GS-2026-001"
    assert session.publicity_ends_on == date(2026, 11, 8)
    later = NOW + timedelta(days=10)
    events = db.session.scalar(select(func.count()).select_from(Event))
    tallies = {cases[0].id: Tallied(2), cases[1].id: Tallied(1, 1), cases[2].id: Tallied(2, 1, 1)}
    with pytest.raises(SessionError) as e:
        record_votes(
            session=session, tallies=tallies, voted_on=date(2026, 11, 12), actor=org, now=later
        )
    assert list(e.value.errors) == [str(cases[2].id)]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Event)) == events
    with pytest.raises(SessionError) as e:
        record_votes(session=session, tallies={}, voted_on=date(2026, 11, 8), actor=org, now=later)
    assert "voted_on" in e.value.errors
    db.session.rollback()
    tallies[cases[2].id] = Tallied(2, 1)
    record_votes(
        session=session, tallies=tallies, voted_on=date(2026, 11, 12), actor=org, now=later
    )
    db.session.commit()
    states = [db.session.get(Case, c.id).state for c in cases]
    assert states == ["confirmed", "rejected", "confirmed"]  # 2 of 3 passes, 1 fails
    assert [e.passed for e in session.entries] == [True, False, True]
    with pytest.raises(SessionError):
        record_votes(
            session=session, tallies=tallies, voted_on=date(2026, 11, 12), actor=org, now=later
        )
