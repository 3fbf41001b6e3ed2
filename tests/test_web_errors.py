"""The web door's one handler of the domain's refusals: a missing or forbidden thing is
the error page with its status; any other refusal is flashed with its own reason on the
page the form came from (303), and nothing of the request is kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import NOW, csrf_from, login
from transfers.auth.models import User
from transfers.engine import claim
from transfers.households.validation import HouseholdError
from transfers.tasks.models import Task
from workflows.roles import Role

TAKEN = "该待办已被他人认领或已办结"


@pytest.fixture()
def claimed(db, make_user, make_household):  # type: ignore[no-untyped-def]
    """A hukou task claimed by one clerk; a colleague of the same village is logged in."""
    from transfers.cases.services import open_intake

    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    colleague = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household()
    open_intake(household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW)
    task = db.session.scalar(select(Task).where(Task.closed_at.is_(None)))
    claim(task_id=task.id, actor=staff, now=NOW)
    db.session.commit()
    return {"staff": staff, "colleague": colleague, "task": task}


def _post(client, url: str, data: dict[str, str] | None = None, **kw):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/tasks/").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kw)


def test_a_refusal_is_flashed_on_the_referring_page(client, db, claimed):
    login(client, claimed["colleague"])
    task = claimed["task"]
    resp = _post(
        client,
        f"/tasks/{task.id}/claim",
        headers={"Referer": "http://localhost/tasks/?procedure=hukou"},
    )
    assert resp.status_code == 303 and resp.headers["Location"] == "/tasks/?procedure=hukou"
    assert TAKEN in client.get(resp.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Task, task.id).claimed_by_id == claimed["staff"].id


def test_without_a_local_referrer_the_refusal_goes_to_the_case_page(client, db, claimed):
    login(client, claimed["colleague"])
    task = claimed["task"]
    for headers in ({}, {"Referer": "https://evil.example/tasks/"}):
        resp = _post(client, f"/tasks/{task.id}/claim", headers=headers)
        assert resp.status_code == 303
        assert resp.headers["Location"] == f"/cases/{task.case_id}"
    assert TAKEN in client.get(f"/cases/{task.case_id}").get_data(as_text=True)


def test_a_next_that_leaves_the_site_goes_home(client, db, claimed):
    login(client, claimed["colleague"])
    resp = _post(client, f"/tasks/{claimed['task'].id}/claim", {"next": "//evil.example/"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/"


def test_a_forbidden_step_is_the_403_page(client, db, claimed):
    login(client, claimed["colleague"])
    resp = _post(client, f"/tasks/{claimed['task'].id}/release")
    assert resp.status_code == 403 and "您没有访问该页面的权限" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Task, claimed["task"].id).claimed_by_id == claimed["staff"].id


def test_a_missing_thing_is_the_404_page(client, db, claimed):
    login(client, claimed["colleague"])
    resp = _post(client, "/tasks/2147483/claim")
    assert resp.status_code == 404 and "页面不存在" in resp.get_data(as_text=True)


def test_a_client_asking_for_json_gets_the_reason_and_status(client, db, claimed):
    login(client, claimed["colleague"])
    resp = _post(
        client, f"/tasks/{claimed['task'].id}/claim", headers={"Accept": "application/json"}
    )
    assert resp.status_code == 409 and resp.get_json() == {"status": 409, "title": TAKEN}


def test_a_household_refusal_rolls_back_and_is_flashed(app, db, claimed):
    """HouseholdError is no WorkflowError: the app answers it the same way."""
    with app.test_request_context(
        f"/households/{claimed['task'].case.household_id}/intake", method="POST"
    ):
        stray = User(username="never-kept", display_name="x", password_hash="x")
        db.session.add(stray)
        resp = app.make_response(
            app.handle_user_exception(HouseholdError({"phone": "联系电话格式不正确"}))
        )
        assert stray not in db.session
        assert resp.status_code == 303
        assert resp.headers["Location"] == f"/households/{claimed['task'].case.household_id}"
        from flask import get_flashed_messages

        assert get_flashed_messages() == ["联系电话格式不正确"]
    assert db.session.scalar(select(User).where(User.username == "never-kept")) is None
