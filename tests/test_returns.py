"""A 退回 reaches people: the clerk who handed the case on gets a message, the reopened
step carries the 被退回 marker and its reason (queue row, case page)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import NOW, login
from transfers.cases.services import open_intake
from transfers.engine import act, open_task
from transfers.inbox.models import Notification
from workflows.idcard import mask_name
from workflows.roles import Role

SUBMIT = {"option": "site_address", "building": "3", "unit": "2", "door": "501"}
REASON = "户口簿复印件不清晰，请补正"


@pytest.fixture()
def returned(db, make_user, make_household):  # type: ignore[no-untyped-def]
    """A hukou case submitted by one clerk, then returned by the police station."""
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    colleague = make_user(Role.VILLAGE_STAFF, "411221100201", username="colleague")
    police = make_user(Role.POLICE_STATION, "411221100")
    hh = make_household()
    intake = open_intake(household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW)
    case = intake.cases[0]
    act(case_id=case.id, action="submit", actor=staff, seen_version=None, data=SUBMIT, now=NOW)
    later = NOW + timedelta(hours=2)
    act(
        case_id=case.id,
        action="return",
        actor=police,
        seen_version=None,
        data={"reason": REASON},
        now=later,
    )
    db.session.commit()
    return staff, colleague, police, case


def test_the_clerk_who_submitted_is_told_why(db, returned):
    staff, colleague, police, case = returned
    messages = db.session.scalars(select(Notification).where(Notification.kind == "returned")).all()
    assert [m.user_id for m in messages] == [staff.id]  # not the colleague, not the police
    (message,) = messages
    assert message.case_id == case.id and "退回补正" in message.title
    assert REASON in message.body and "受理登记" in message.body
    assert case.subject_name not in message.title  # the name is masked
    assert f"（{mask_name(case.subject_name)}，事项编号{case.id}）" in message.title


def test_the_reopened_step_carries_the_reason(db, returned):
    _staff, _colleague, _police, case = returned
    task = open_task(case)
    assert task.state == "application" and task.return_reason == REASON


def test_a_step_reached_forward_is_not_marked(db, returned):
    staff, _colleague, _police, case = returned
    act(case_id=case.id, action="submit", actor=staff, seen_version=None, data=SUBMIT, now=NOW)
    task = open_task(case)
    assert task.state == "police_review" and task.return_reason is None


def test_without_the_clerk_the_office_is_told(db, returned):
    staff, colleague, police, case = returned
    act(case_id=case.id, action="submit", actor=staff, seen_version=None, data=SUBMIT, now=NOW)
    staff.active = False  # the clerk left: every active holder of the office is told
    act(
        case_id=case.id,
        action="return",
        actor=police,
        seen_version=None,
        data={"reason": "再次退回"},
        now=NOW + timedelta(days=1),
    )
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.body.contains("再次退回"))
    ).all()
    assert told == [colleague.id]


def test_queue_row_and_case_page_show_the_marker(client, db, returned):
    staff, _colleague, _police, case = returned
    login(client, staff)
    queue = client.get("/tasks/").get_data(as_text=True)
    assert "被退回" in queue and REASON in queue
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "被退回" in page and REASON in page
