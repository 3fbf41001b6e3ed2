"""Forms never lose what was typed: a submission posted after its page expired (stale
CSRF token, ended session, session ended elsewhere) comes back on its page, once, to
the person who typed it, even after signing in again; never a password, never to
someone else, never from another site."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW, PASSWORD, login, make_id, post_form
from transfers.cases.services import open_intake
from transfers.engine import open_task
from transfers.pending.models import PendingForm
from transfers.pending.services import claim, keep
from transfers.votes.services import applicants_waiting, publish_session
from workflows.roles import Role

FORGED = "x" * 40


def kept_on(page_html: str) -> dict[str, Any] | None:
    m = re.search(r'data-kept="([^"]*)"', page_html)
    return json.loads(html.unescape(m.group(1))) if m else None


def post_expired(client, page: str, action: str, data: dict[str, Any], **kw: Any):  # type: ignore[no-untyped-def]
    """A browser posting a form whose page expired: a token that no longer matches,
    the Referer of the page it was on."""
    headers = {"Referer": "http://localhost" + page}
    return client.post(action, data={"csrf_token": FORGED, **data}, headers=headers, **kw)


def _registration(geo) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "origin_id": str(geo["411221205201"].id),
        "destination_id": str(geo["411221100201"].id),
        "settlement_mode": "centralized",
        "site_id": str(geo.site.id),
        "address": "幸福路88号",
        "members-0-name": "欧阳新民",
        "members-0-id_number": make_id(seq=401),
        "members-0-relation": "户主",
    }


def test_stale_form_comes_back_with_everything_typed_once(client, make_user, geo, db):
    login(client, make_user(Role.VILLAGE_STAFF, "411221100201"))
    data = _registration(geo)
    resp = post_expired(client, "/households/new", "/households/new", data)
    assert resp.status_code == 303 and resp.headers["Location"] == "/households/new"
    page = client.get("/households/new").get_data(as_text=True)
    assert "您填写的内容已保留" in page
    kept = kept_on(page)
    assert kept is not None and kept["action"] == "/households/new"
    assert sorted(map(tuple, kept["fields"])) == sorted(data.items())
    assert kept_on(client.get("/households/new").get_data(as_text=True)) is None  # once
    assert db.session.scalar(select(func.count()).select_from(PendingForm)) == 0


def test_after_the_session_ended_the_form_comes_back_after_signing_in(client, make_user, geo, db):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    login(client, staff)
    client.delete_cookie("session", domain="localhost")  # the session ended
    data = {**_registration(geo), "password": "never-kept"}
    resp = post_expired(client, "/households/new", "/households/new", data)
    assert resp.status_code == 303 and "/login?next=/households/new" in resp.headers["Location"]
    stored = db.session.scalars(select(PendingForm)).one()
    assert all("password" not in name for name, _v in stored.fields)
    resp = post_form(
        client,
        "/login?next=/households/new",
        {"username": staff.username, "password": PASSWORD},
    )
    assert resp.headers["Location"] == "/households/new"
    kept = kept_on(client.get("/households/new").get_data(as_text=True))
    assert kept is not None
    assert ["members-0-name", "欧阳新民"] in kept["fields"]
    assert not any(name == "password" for name, _v in kept["fields"])


def test_a_session_ended_elsewhere_keeps_the_form_too(client, make_user, geo, db):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    login(client, staff)
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/households/new").get_data(True)
    )
    assert token
    staff.session_token = "signed-out-elsewhere"
    db.session.commit()
    data = {**_registration(geo), "csrf_token": token.group(1)}
    resp = client.post(
        "/households/new", data=data, headers={"Referer": "http://localhost/households/new"}
    )
    assert resp.status_code == 303 and "/login" in resp.headers["Location"]
    login(client, staff)
    kept = kept_on(client.get("/households/new").get_data(as_text=True))
    assert kept is not None and ["address", "幸福路88号"] in kept["fields"]


def test_nothing_is_kept_from_another_site_or_without_a_page(client, make_user, geo, db):
    login(client, make_user(Role.VILLAGE_STAFF, "411221100201"))
    data = {"csrf_token": FORGED, **_registration(geo)}
    for headers in ({}, {"Referer": "https://evil.example/households/new"}):
        resp = client.post("/households/new", data=data, headers=headers)
        assert resp.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(PendingForm)) == 0


def test_a_kept_form_is_given_only_to_its_author_and_page(db, make_user):
    a = make_user(Role.VILLAGE_STAFF, "411221100201")
    b = make_user(Role.VILLAGE_STAFF, "411221100201")
    key = keep([("name", "王")], files=0, page="/p", action="/p", user_id=a.id, now=NOW)
    assert claim(key, page="/other", user_id=a.id, now=NOW) is None  # kept for its page
    assert claim(key, page="/p", user_id=b.id, now=NOW) is None  # and removed
    assert db.session.scalar(select(func.count()).select_from(PendingForm)) == 0
    key = keep([("name", "王")], files=0, page="/p", action="/p", user_id=a.id, now=NOW)
    later = NOW.replace(hour=NOW.hour + 3)
    assert claim(key, page="/p", user_id=a.id, now=later) is None  # expired


@pytest.fixture()
def offices(db, make_user, make_household, geo):  # type: ignore[no-untyped-def]
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    org = make_user(Role.COLLECTIVE_ORG, "411221100201")
    admin = make_user(Role.ADMIN, "41")
    hh = make_household(members=2)
    intake = open_intake(
        household=hh,
        requests=[(hh.members[0], "hukou"), (hh.members[1], "collective_membership")],
        actor=staff,
        now=NOW,
    )
    db.session.commit()
    village = geo["411221100201"]
    session = publish_session(
        village=village,
        cases=applicants_waiting(village),
        body="general_assembly",
        body_size=30,
        starts_on=date(2026, 11, 2),
        days=7,
        actor=org,
        now=NOW,
    )
    db.session.commit()
    hukou = intake.cases[0]
    return {"staff": staff, "org": org, "admin": admin, "hh": hh, "case": hukou, "vote": session}


def _forms(o: dict[str, Any]) -> list[tuple[str, str, str, dict[str, str]]]:
    """(who, page, action, what was typed) for each form that can expire."""
    hh, case, vote = o["hh"], o["case"], o["vote"]
    entry = vote.entries[0].case_id
    return [
        ("staff", f"/households/{hh.id}", f"/households/{hh.id}/intake", {"open": "1:party"}),
        ("staff", f"/households/{hh.id}", f"/households/{hh.id}/id-number", {"purpose": "核对"}),
        (
            "staff",
            f"/households/{hh.id}/correct",
            f"/households/{hh.id}/correct",
            {"reason": "登记时姓名录错", "members-0-name": "王建华", "address": "幸福路9号"},
        ),
        (
            "staff",
            f"/cases/{case.id}/act/submit",
            f"/cases/{case.id}/act/submit",
            {"option": "site_address", "building": "3", "unit": "2", "door": "501"},
        ),
        ("staff", f"/cases/{case.id}", f"/cases/{case.id}/documents", {"description": "户口簿"}),
        (
            "org",
            f"/votes/{vote.id}",
            f"/votes/{vote.id}",
            {f"for-{entry}": "25", f"against-{entry}": "3", "voted_on": "2026-11-20"},
        ),
        (
            "org",
            f"/votes/new/{vote.jurisdiction_id}",
            f"/votes/new/{vote.jurisdiction_id}",
            {"body_size": "41", "days": "7", "backdate_reason": "已张贴"},
        ),
        (
            "admin",
            "/admin/calendar",
            "/admin/calendar",
            {"starts_on": "2027-10-01", "ends_on": "2027-10-07", "note": "国庆节"},
        ),
        (
            "staff",
            f"/cases/{case.id}",
            f"/tasks/{open_task(case).id}/suspend",
            {"reason": "申请材料不齐全", "items": "户口簿原件\n入住证明"},
        ),
        ("admin", "/admin/limits", "/admin/limits", {"amount": "12", "unit": "working_days"}),
        (
            "admin",
            "/admin/users/new",
            "/admin/users/new",
            {"username": "new_clerk", "display_name": "新办事员", "password": "S3cret-pass!"},
        ),
        ("staff", "/account/tokens", "/account/tokens", {"name": "台账同步"}),
        ("staff", "/inbox/", "/inbox/mail", {"email": "clerk@example.org"}),
    ]


def test_each_form_that_can_expire_comes_back_on_its_page(app, offices):
    for who, page, action, typed in _forms(offices):
        client = app.test_client()
        login(client, offices[who])
        assert client.get(page).status_code == 200, page
        resp = post_expired(client, page, action, typed)
        assert resp.status_code == 303 and resp.headers["Location"] == page, action
        kept = kept_on(client.get(page).get_data(as_text=True))
        assert kept is not None, action
        assert kept["action"] == action
        never = {k for k in typed if "password" in k}  # never kept
        expected = sorted((k, v) for k, v in typed.items() if k not in never)
        assert sorted(map(tuple, kept["fields"])) == expected, action


def test_a_refused_submission_comes_back_on_its_page(client, make_user, make_household, db):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household(members=2)
    login(client, staff)
    page = f"/households/{hh.id}"
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(page).get_data(True))
    assert token
    person = hh.members[1].id  # not a party member: the party transfer does not apply
    resp = client.post(
        f"{page}/intake",
        data={"csrf_token": token.group(1), "open": [f"{person}:party", f"{person}:hukou"]},
        headers={"Referer": "http://localhost" + page},
    )
    assert resp.status_code == 303 and resp.headers["Location"] == page
    html = client.get(page).get_data(as_text=True)
    kept = kept_on(html)
    assert kept is not None and kept["action"] == f"{page}/intake"
    assert sorted(v for n, v in kept["fields"] if n == "open") == [
        f"{person}:hukou",
        f"{person}:party",
    ]


def test_an_expired_lookup_stays_on_the_residents_page_and_keeps_nothing(client, db):
    resp = client.post(
        "/query/",
        data={"csrf_token": FORGED, "receipt_no": "411221-20261102-0001", "id_tail": "1234"},
        headers={"Referer": "http://localhost/query/"},
    )
    assert resp.status_code == 303 and resp.headers["Location"] == "/query/"
    assert db.session.scalar(select(func.count()).select_from(PendingForm)) == 0
