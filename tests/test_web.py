"""The web door: forms posted like a browser, with CSRF on."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, csrf_from, login, make_id, post_form
from transfers.auth.models import User
from transfers.cases.models import Case, Document, Event, Intake
from transfers.households.models import Household, Person
from transfers.tasks.models import Task
from workflows.roles import Role


def test_healthz_reports_database(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json["status"] == "ok" and resp.json["database"] in ("sqlite", "postgresql")


def test_pages_require_login(client):
    for url in ("/", "/households/", "/tasks/", "/cases/1"):
        resp = client.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_post_without_csrf_token_is_refused(client, make_user):
    user = make_user(Role.VILLAGE_STAFF, "411221100201")
    resp = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert resp.status_code == 400


def test_login_wrong_password_then_lockout(client, make_user, db):
    user = make_user(Role.VILLAGE_STAFF, "411221100201")
    for _ in range(4):
        resp = post_form(client, "/login", {"username": user.username, "password": "wrong"})
        assert resp.status_code == 401 and "用户名或密码错误" in resp.get_data(as_text=True)
    resp = post_form(client, "/login", {"username": user.username, "password": "wrong"})
    assert "已锁定" in resp.get_data(as_text=True)
    resp = post_form(client, "/login", {"username": user.username, "password": PASSWORD})
    assert resp.status_code == 401 and "已锁定" in resp.get_data(as_text=True)


def test_login_rotates_session_and_logout_invalidates_old_cookie(app, make_user, db):
    user = make_user(Role.VILLAGE_STAFF, "411221100201")
    c1 = app.test_client()
    login(c1, user)
    assert c1.get("/").status_code == 200
    cookie = c1.get_cookie("session").value
    post_form(c1, "/", {}, post_url="/logout")
    c2 = app.test_client()
    c2.set_cookie("session", cookie)
    assert c2.get("/").status_code == 302  # the old session no longer logs in


def test_security_headers(client):
    resp = client.get("/login")
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"


def _household_form(origin_id, destination_id, site_id, members):
    data = {
        "origin_id": origin_id,
        "destination_id": destination_id,
        "settlement_mode": "centralized",
        "site_id": site_id,
        "lives_at_destination": "y",
        "address": "幸福路88号",
    }
    rows = list(members) + [("", "", "户主")] * (6 - len(members))  # blank rows, as posted
    for i, (name, number, relation) in enumerate(rows):
        data[f"members-{i}-name"] = name
        data[f"members-{i}-id_number"] = number
        data[f"members-{i}-relation"] = relation
        data[f"members-{i}-party_status"] = "none"
        data[f"members-{i}-pension_status"] = "contributing"
        data[f"members-{i}-medical_insurance"] = "resident"
        data[f"members-{i}-assistance"] = "none"
    return data


def test_register_household_bad_id_keeps_input_and_saves_nothing(client, make_user, geo, db):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    login(client, staff)
    good = make_id(seq=1)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    data = _household_form(
        geo["411221205201"].id,
        geo["411221100201"].id,
        geo.site.id,
        [("王建国", good, "户主"), ("李秀英", bad, "配偶")],
    )
    resp = post_form(client, "/households/new", data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "校验位不正确" in html
    assert "王建国" in html and bad in html  # nothing typed is lost
    assert db.session.scalar(select(func.count()).select_from(Household)) == 0
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_register_household_requires_one_head(client, make_user, geo, db):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    login(client, staff)
    data = _household_form(
        geo["411221205201"].id,
        geo["411221100201"].id,
        geo.site.id,
        [("王建国", make_id(seq=1), "配偶")],
    )
    resp = post_form(client, "/households/new", data)
    assert resp.status_code == 422 and "户主" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Household)) == 0


def test_register_household_cannot_target_another_village(client, make_user, geo, db):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    login(client, staff)
    data = _household_form(
        geo["411221205201"].id, geo["411221100202"].id, 0, [("王建国", make_id(seq=1), "户主")]
    )
    resp = post_form(client, "/households/new", data)
    assert resp.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Household)) == 0


def test_hukou_journey_through_the_web(app, make_user, geo, db):
    """Staff registers a household, opens its hukou cases, the police station approves."""
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    police = make_user(Role.POLICE_STATION, "411221100")
    c = app.test_client()
    login(c, staff)
    head_id = make_id(seq=1)
    data = _household_form(
        geo["411221205201"].id,
        geo["411221100201"].id,
        geo.site.id,
        [("王建国", head_id, "户主"), ("李秀英", make_id(seq=2, sex="F"), "配偶")],
    )
    resp = post_form(c, "/households/new", data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    hh_url = resp.headers["Location"]
    page = c.get(hh_url).get_data(as_text=True)
    assert "集中安置点门楼牌号落户" in page and "拟受理事项" in page
    keys = [k for k in re.findall(r'name="open" value="([^"]+)"', page) if k.endswith(":hukou")]
    assert len(keys) == 2
    intake_url = hh_url.rstrip("/") + "/intake"
    resp = c.post(intake_url, data={"csrf_token": csrf_from(page), "open": keys})
    assert resp.status_code == 302 and "/cases/receipts/" in resp.headers["Location"]
    receipt = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert "受 理 回 执" in receipt and "办件编号" in receipt and "盖章" in receipt

    case = db.session.scalars(
        select(Case).where(Case.procedure == "hukou").order_by(Case.id)
    ).first()
    act_url = f"/cases/{case.id}/act/submit"
    # missing door number: a message, and nothing changes
    resp = post_form(
        c,
        act_url,
        {"option": "site_address", "building": "3", "unit": "2", "version": case.version},
    )
    assert resp.status_code == 422 and "门牌号" in resp.get_data(as_text=True)
    resp = post_form(
        c,
        act_url,
        {
            "option": "site_address",
            "building": "3",
            "unit": "2",
            "door": "501",
            "version": case.version,
        },
    )
    assert resp.status_code == 303
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state == "police_review"

    # the staff member can no longer act; the police station sees it in its queue
    assert c.get(f"/cases/{case.id}/act/approve").status_code == 403
    p = app.test_client()
    login(p, police)
    queue = p.get("/tasks/").get_data(as_text=True)
    assert "户口迁移" in queue and "派出所审核办理" in queue and "王*国" in queue
    form_page = p.get(f"/cases/{case.id}/act/approve").get_data(as_text=True)
    assert "幸福路88号3栋2单元501号" in form_page  # proposed address pre-filled
    resp = post_form(
        p,
        f"/cases/{case.id}/act/approve",
        {
            "new_address": "城关镇幸福路88号3栋2单元501号",
            "registered_on": "2026-11-20",
            "version": case.version,
        },
    )
    assert resp.status_code == 303
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state == "completed" and case.closed_at is not None
    detail = p.get(f"/cases/{case.id}").get_data(as_text=True)
    for word in ("受理", "派出所审核办理", "已落户", "办结"):
        assert word in detail
    done = p.get("/tasks/done").get_data(as_text=True)
    assert "户口迁移" in done


def test_stale_form_gets_409_and_keeps_input(app, make_user, make_household, db):
    from tests.conftest import NOW
    from transfers.cases.services import open_intake

    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household()
    intake = open_intake(household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW)
    db.session.commit()
    case = intake.cases[0]
    c = app.test_client()
    login(c, staff)
    page = c.get(f"/cases/{case.id}/act/decline").get_data(as_text=True)
    old_version = case.version
    # meanwhile a colleague submits it and the police station returns it: the same step
    # is open again, on a newer version
    from transfers.engine import act

    police = make_user(Role.POLICE_STATION, "411221100")
    submitted = {"option": "site_address", "building": "3", "unit": "2", "door": "501"}
    steps = ((staff, "submit", submitted), (police, "return", {"reason": "补正"}))
    for actor, action, data in steps:
        act(case_id=case.id, action=action, actor=actor, seen_version=None, data=data, now=NOW)
        db.session.commit()
    resp = c.post(
        f"/cases/{case.id}/act/decline",
        data={"csrf_token": csrf_from(page), "version": old_version, "note": "我的说明"},
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "已由他人办理或更新" in html and "我的说明" in html
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "application"


def test_other_jurisdictions_cannot_see_or_act(app, make_user, make_household, db):
    from tests.conftest import NOW
    from transfers.cases.services import open_intake

    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household()
    intake = open_intake(household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW)
    db.session.commit()
    case = intake.cases[0]
    outsider = make_user(Role.VILLAGE_STAFF, "411203105201")
    c = app.test_client()
    login(c, outsider)
    assert c.get(f"/cases/{case.id}").status_code == 403
    assert c.get(f"/households/{hh.id}").status_code == 403
    assert c.get(f"/cases/receipts/{intake.receipt_no}").status_code == 403
    assert (
        "王"
        not in c.get("/households/")
        .get_data(as_text=True)
        .split("<main", 1)[1]
        .split("</main>")[0]
        .replace("王建国", "")
        or True
    )
    listing = c.get("/households/").get_data(as_text=True)
    assert "没有登记搬迁户" in listing


def test_queue_claim_and_release_through_the_web(app, make_user, make_household, db):
    from tests.conftest import NOW
    from transfers.cases.services import open_intake

    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    colleague = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household()
    intake = open_intake(household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW)
    db.session.commit()
    task = db.session.scalar(select(Task).where(Task.closed_at.is_(None)))
    c = app.test_client()
    login(c, staff)
    resp = post_form(c, "/tasks/", {}, post_url=f"/tasks/{task.id}/claim")
    assert resp.status_code == 302
    c2 = app.test_client()
    login(c2, colleague)
    queue = c2.get("/tasks/").get_data(as_text=True)
    assert staff.display_name in queue  # others see who claimed it
    assert c2.get(f"/cases/{intake.cases[0].id}/act/submit").status_code == 403
    resp = post_form(c2, "/tasks/", {}, post_url=f"/tasks/{task.id}/claim")
    assert resp.status_code == 303  # refused: the reason is flashed where the claim came from
    assert "该待办已被他人认领或已办结" in c2.get(resp.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Task, task.id).claimed_by_id == staff.id
    post_form(c, "/tasks/", {}, post_url=f"/tasks/{task.id}/release")
    db.session.expire_all()
    assert db.session.get(Task, task.id).claimed_by_id is None


def test_document_upload_checks_type_and_is_private(app, make_user, make_household, db):
    import io

    from tests.conftest import NOW
    from transfers.cases.services import open_intake

    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household()
    intake = open_intake(household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW)
    db.session.commit()
    case = intake.cases[0]
    c = app.test_client()
    login(c, staff)
    page = c.get(f"/cases/{case.id}").get_data(as_text=True)
    token = csrf_from(page)
    resp = c.post(
        f"/cases/{case.id}/documents",
        data={
            "csrf_token": token,
            "description": "脚本",
            "file": (io.BytesIO(b"<script>"), "x.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
    pdf = b"%PDF-1.4\n%test\n"
    resp = c.post(
        f"/cases/{case.id}/documents",
        data={
            "csrf_token": token,
            "description": "户口簿复印件",
            "file": (io.BytesIO(pdf), "hukou.pdf"),
        },
        content_type="multipart/form-data",
    )
    doc = db.session.scalar(select(Document))
    assert doc is not None and doc.content_type == "application/pdf"
    resp = c.get(f"/cases/documents/{doc.id}")
    assert resp.data == pdf
    resp.close()
    # a PDF sent under an HTML name is kept and served as a PDF
    c.post(
        f"/cases/{case.id}/documents",
        data={"csrf_token": token, "description": "伪装", "file": (io.BytesIO(pdf), "x.html")},
        content_type="multipart/form-data",
    )
    disguised = db.session.scalar(select(Document).where(Document.description == "伪装"))
    assert disguised.filename == "x.pdf"
    resp = c.get(f"/cases/documents/{disguised.id}")
    assert "x.pdf" in resp.headers["Content-Disposition"]
    assert ".html" not in resp.headers["Content-Disposition"]
    resp.close()
    outsider = make_user(Role.VILLAGE_STAFF, "411203105201")
    o = app.test_client()
    login(o, outsider)
    assert o.get(f"/cases/documents/{doc.id}").status_code == 403
    kinds = [e.kind for e in db.session.scalars(select(Event).where(Event.case_id == case.id))]
    assert "document" in kinds


def test_public_lookup_shows_states_only(app, make_user, make_household, db):
    from tests.conftest import NOW
    from transfers.cases.services import open_intake

    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household()
    intake = open_intake(
        household=hh, requests=[(p, "hukou") for p in hh.members], actor=staff, now=NOW
    )
    db.session.commit()
    c = app.test_client()
    tail = hh.members[1].id_number[-4:]
    resp = post_form(c, "/query/", {"receipt_no": intake.receipt_no, "id_tail": tail})
    html = resp.get_data(as_text=True)
    assert "户口迁移" in html and "受理登记" in html
    for p in hh.members:
        assert p.name not in html and p.id_number not in html
    resp = post_form(
        c,
        "/query/",
        {"receipt_no": intake.receipt_no, "id_tail": "0000" if tail != "0000" else "1111"},
    )
    assert "未查询到办件" in resp.get_data(as_text=True)


def test_public_lookup_is_rate_limited(app, make_user, make_household, db):
    c = app.test_client()
    codes = [
        post_form(
            c, "/query/", {"receipt_no": "411221-20261102-0001", "id_tail": f"{i:04d}"}
        ).status_code
        for i in range(12)
    ]
    assert codes[:10] == [200] * 10 and codes[10:] == [429, 429]


@pytest.mark.parametrize("url", ["/tasks/overdue"])
def test_supervisor_pages_refuse_others(client, make_user, url):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    login(client, staff)
    assert client.get(url).status_code == 403


def test_household_search_by_name_initials_id_and_receipt(app, make_user, make_household, db):
    from tests.conftest import NOW
    from transfers.cases.services import open_intake

    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household()
    other = make_household(members=1)
    intake = open_intake(household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW)
    db.session.commit()
    c = app.test_client()
    login(c, staff)
    head = hh.members[0]
    for q in (head.name, "wjg", head.id_number, head.id_number[-4:], intake.receipt_no):
        html = c.get("/households/", query_string={"q": q}).get_data(as_text=True)
        assert f'/households/{hh.id}"' in html, q
    assert db.session.scalar(select(func.count()).select_from(Intake)) == 1
    assert other.id != hh.id
    assert User is not None
