"""REST API: tokens from the account page, the hukou journey, and the error contract
(401/403/404/409/422 as problem+json)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import csrf_from, login, make_id, post_form
from transfers.api.models import ApiToken
from transfers.api.tokens import create_token
from transfers.db import utcnow
from transfers.households.models import Household
from workflows.idcard import mask_name
from workflows.roles import Role

DEST = "411221100201"


def token_for(db, user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, secret = create_token(user, "test", now=utcnow())
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def is_problem(resp, status: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json(force=True)
    assert body["status"] == status and body["title"] and body["title_zh"] and body["detail"]
    return body


def household_body(**kw):  # type: ignore[no-untyped-def]
    body = {
        "origin_code": "411221205201",
        "destination_code": DEST,
        "settlement_mode": "centralized",
        "site_id": None,
        "members": [
            {
                "name": "王建国",
                "id_number": make_id(seq=1),
                "relation": "户主",
                "collective_member": True,
            },
            {"name": "李秀英", "id_number": make_id(seq=2, sex="F"), "relation": "配偶"},
        ],
    }
    body.update(kw)
    return body


def test_token_page_creates_shows_once_and_revokes(client, make_user, db):
    staff = make_user(Role.VILLAGE_STAFF, DEST)
    login(client, staff)
    resp = post_form(client, "/account/tokens", {"name": "台账同步"})
    assert resp.status_code == 201
    secret = re.search(r"(ht_[A-Za-z0-9_\-]+)", resp.get_data(as_text=True)).group(1)
    stored = db.session.scalars(select(ApiToken)).one()
    assert secret not in (stored.token_hash, stored.prefix) and stored.prefix == secret[:10]
    assert secret not in client.get("/account/tokens").get_data(as_text=True)  # shown once
    headers = {"Authorization": f"Bearer {secret}"}
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200 and me.json["grants"][0]["role"] == "village_staff"
    page = client.get("/account/tokens").get_data(as_text=True)
    action = re.search(r'action="(/account/tokens/\d+/revoke)"', page).group(1)
    assert client.post(action, data={"csrf_token": csrf_from(page)}).status_code == 302
    is_problem(client.get("/api/v1/me", headers=headers), 401)
    is_problem(client.get("/api/v1/me"), 401)
    _, other = create_token(staff, "second", now=utcnow())
    staff.active = False  # a deactivated user's tokens stop working too
    db.session.commit()
    is_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"}), 401)
    is_problem(client.get("/api/v1/me", headers={"Authorization": "Bearer ht_nope"}), 401)


def test_api_drives_a_hukou_case_from_intake_to_completion(client, make_user, db, geo):
    staff = make_user(Role.VILLAGE_STAFF, DEST)
    police = make_user(Role.POLICE_STATION, "411221100")
    s_auth, p_auth = token_for(db, staff), token_for(db, police)

    created = client.post(
        "/api/v1/households", json=household_body(site_id=geo.site.id), headers=s_auth
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    hh = created.json
    assert (
        hh["members"][0]["id_number_masked"].startswith("411221")
        and "*" in hh["members"][0]["id_number_masked"]
    )
    head = hh["members"][0]["id"]

    intake = client.post(
        "/api/v1/intakes",
        headers=s_auth,
        json={"household_id": hh["id"], "requests": [{"person_id": head, "procedure": "hukou"}]},
    )
    assert intake.status_code == 201, intake.get_data(as_text=True)
    receipt = intake.json["receipt_no"]
    case_id = intake.json["cases"][0]["id"]

    queue = client.get("/api/v1/tasks", headers=s_auth).json
    task = queue["items"][0]
    assert task["case_id"] == case_id and task["state"] == "application"
    case = client.get(f"/api/v1/cases/{case_id}", headers=s_auth).json
    submit = next(a for a in case["actions"] if a["action"] == "submit")
    options = [c["value"] for c in submit["fields"][0]["choices"]]
    assert "site_address" in options

    claimed = client.post(f"/api/v1/tasks/{task['id']}/claim", headers=s_auth)
    assert claimed.status_code == 200 and claimed.json["claimed_by"] == staff.display_name
    version = claimed.json["case_version"]  # a claim is an event, not a step: same version
    assert version == case["version"]

    # 422: the rules want a building, unit and door for the site address
    bad = client.post(
        f"/api/v1/tasks/{task['id']}/act",
        headers=s_auth,
        json={"action": "submit", "version": version, "data": {"option": "site_address"}},
    )
    body = is_problem(bad, 422)
    assert set(body["errors"]) == {"building", "unit", "door"}

    done = client.post(
        f"/api/v1/tasks/{task['id']}/act",
        headers=s_auth,
        json={
            "action": "submit",
            "version": version,
            "data": {"option": "site_address", "building": "3", "unit": "2", "door": "501"},
        },
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.json["state"] == "police_review" and done.json["actions"] == []

    # 409: acting again with the version seen before
    stale = client.post(
        f"/api/v1/tasks/{task['id']}/act",
        headers=s_auth,
        json={"action": "submit", "version": version, "data": {"option": "site_address"}},
    )
    is_problem(stale, 409)

    ptask = client.get("/api/v1/tasks", headers=p_auth).json["items"][0]
    # 403: village staff cannot act for the police station
    forbidden = client.post(
        f"/api/v1/tasks/{ptask['id']}/act",
        headers=s_auth,
        json={"action": "approve", "version": ptask["case_version"], "data": {}},
    )
    is_problem(forbidden, 403)
    old_version = ptask["case_version"] - 1  # as seen before the submission
    # a claim does not make a version stale; a step taken since does
    client.post(f"/api/v1/tasks/{ptask['id']}/claim", headers=p_auth)
    stale = is_problem(
        client.post(
            f"/api/v1/tasks/{ptask['id']}/act",
            headers=p_auth,
            json={
                "action": "approve",
                "version": old_version,
                "data": {"registered_on": "2026-11-02", "new_address": "x"},
            },
        ),
        409,
    )
    assert "已由他人办理或更新" in stale["detail"]
    current = client.get(f"/api/v1/cases/{case_id}", headers=p_auth).json["version"]
    approved = client.post(
        f"/api/v1/tasks/{ptask['id']}/act",
        headers=p_auth,
        json={
            "action": "approve",
            "version": current,
            "data": {"registered_on": "2026-11-02", "new_address": "城关镇幸福路88号3栋2单元501号"},
        },
    )
    assert approved.status_code == 200, approved.get_data(as_text=True)
    final = approved.json
    assert final["state"] == "completed" and final["outcome"] == "completed"
    assert [e["kind"] for e in final["timeline"]] == [
        "opened",
        "claimed",
        "transition",
        "claimed",
        "transition",
    ]
    assert final["version"] > old_version

    person = client.get(f"/api/v1/persons/{head}", headers=s_auth).json
    assert person["hukou_moved"] is True
    tail = make_id(seq=1)[-4:]
    status = client.get(f"/api/v1/public/status?receipt_no={receipt}&id_tail={tail}")
    assert status.status_code == 200 and status.json["items"][0]["closed"] is True
    is_problem(client.get(f"/api/v1/public/status?receipt_no={receipt}&id_tail=0000"), 404)


def test_api_validation_permissions_and_jurisdiction(client, make_user, make_household, db, geo):
    staff = make_user(Role.VILLAGE_STAFF, DEST)
    other = make_user(Role.VILLAGE_STAFF, "140827203201")
    police = make_user(Role.POLICE_STATION, "411221100")
    s_auth, o_auth, p_auth = (token_for(db, u) for u in (staff, other, police))

    body = household_body()
    body["members"][1]["id_number"] = body["members"][1]["id_number"][:-1] + (
        "0" if body["members"][1]["id_number"][-1] != "0" else "1"
    )
    bad = is_problem(client.post("/api/v1/households", json=body, headers=s_auth), 422)
    assert "校验位" in bad["errors"]["members-1-id_number"]
    shape = is_problem(
        client.post(
            "/api/v1/households", headers=s_auth, json={"members": [{"name": ""}], "extra": 1}
        ),
        422,
    )
    assert shape["errors"]["origin_code"] == "此项为必填项"
    assert shape["errors"]["extra"] == "未知字段"
    assert "members-0-id_number" in shape["errors"]
    is_problem(
        client.post(
            "/api/v1/households", headers=s_auth, data="[]", content_type="application/json"
        ),
        422,
    )
    # someone else's village (the household's rule, as at every door); not village staff
    other = is_problem(
        client.post("/api/v1/households", json=household_body(), headers=o_auth), 422
    )
    assert other["errors"]["destination_id"] == "请选择本村（社区）作为迁入地"
    is_problem(client.post("/api/v1/households", json=household_body(), headers=p_auth), 403)

    hh = make_household()
    assert client.get(f"/api/v1/households/{hh.id}", headers=s_auth).status_code == 200
    is_problem(client.get(f"/api/v1/households/{hh.id}", headers=o_auth), 403)
    is_problem(client.get("/api/v1/households/999999", headers=s_auth), 404)
    assert client.get("/api/v1/households", headers=o_auth).json["total"] == 0
    assert client.get("/api/v1/households", headers=s_auth).json["total"] == 1
    found = client.get(
        f"/api/v1/persons?id_number={hh.members[0].id_number.lower()}", headers=s_auth
    ).json
    assert found["total"] == 1
    paging = is_problem(client.get("/api/v1/persons?page=0&per_page=x", headers=s_auth), 422)
    assert paging["detail"] == "查询参数未通过校验"
    assert paging["errors"] == {"page": "应在 1 至 100000 之间", "per_page": "应为整数"}
    nul = is_problem(
        client.post(
            "/api/v1/households",
            headers=s_auth,
            json=household_body(settlement_mode="x", address="a\x00b", moved_on="27/11/2026"),
        ),
        422,
    )
    assert nul["errors"] == {
        "address": "不能含有空字符（\\0）",
        "moved_on": "日期格式应为 2026-11-27",
        "settlement_mode": "须为以下之一：centralized, scattered",
    }
    is_problem(client.get("/api/v1/overdue", headers=s_auth), 403)
    is_problem(client.get("/api/v1/no-such-thing", headers=s_auth), 404)
    is_problem(client.delete("/api/v1/households", headers=s_auth), 405)

    # duplicate intake of the same procedure answers 409
    req = {
        "household_id": hh.id,
        "requests": [{"person_id": hh.members[0].id, "procedure": "hukou"}],
    }
    assert client.post("/api/v1/intakes", json=req, headers=s_auth).status_code == 201
    is_problem(client.post("/api/v1/intakes", json=req, headers=s_auth), 409)
    is_problem(client.post("/api/v1/intakes", json=req, headers=o_auth), 403)
    case_id = client.get("/api/v1/cases", headers=s_auth).json["items"][0]["id"]
    is_problem(client.get(f"/api/v1/cases/{case_id}", headers=o_auth), 403)
    queued = client.get("/api/v1/tasks", headers=s_auth).json["items"][0]
    task_id = queued["id"]
    is_problem(client.post(f"/api/v1/tasks/{task_id}/claim", headers=p_auth), 403)
    unknown = is_problem(
        client.post(
            f"/api/v1/tasks/{task_id}/act",
            headers=s_auth,
            json={"action": "fly", "version": queued["case_version"], "data": {}},
        ),
        422,
    )
    assert unknown["detail"].startswith("当前环节") and "不能执行该操作" in unknown["detail"]


def test_openapi_document_and_reference_page(client, db):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/tasks/{task_id}/act" in spec["paths"]
    assert "CaseOut" in spec["components"]["schemas"]
    act = spec["paths"]["/api/v1/tasks/{task_id}/act"]["post"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(act["responses"])
    conflict = spec["components"]["responses"]["CONFLICT"]["content"]
    assert conflict["application/problem+json"]["schema"]["$ref"].endswith("/Problem")
    assert spec["paths"]["/api/v1/public/status"]["get"]["security"] == []
    assert spec["security"] == [{"bearerAuth": []}]
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "/api/v1/tasks/{task_id}/act" in html
    assert "<script>" not in html and "cdn" not in html.lower()


def test_token_lifetime_and_scope_are_chosen_on_the_page(client, make_user, db):  # type: ignore[no-untyped-def]
    staff = make_user(Role.VILLAGE_STAFF, DEST)
    login(client, staff)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert 'selected value="90"' in page and 'selected value="read"' in page
    assert post_form(client, "/account/tokens", {"name": "默认"}).status_code == 201
    resp = post_form(client, "/account/tokens", {"name": "对接", "days": "30", "scope": "write"})
    assert resp.status_code == 201
    default, chosen = db.session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
    assert default.read_only and default.expires_at - default.created_at == timedelta(days=90)
    assert not chosen.read_only and chosen.expires_at - chosen.created_at == timedelta(days=30)
    html = client.get("/account/tokens").get_data(as_text=True)
    assert "有效期至" in html and "只读" in html and "读写" in html
    bad = post_form(client, "/account/tokens", {"name": "永久", "days": "36500"})
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 2


def test_a_read_only_token_reads_but_every_post_is_refused(client, make_user, db, geo):  # type: ignore[no-untyped-def]
    staff = make_user(Role.VILLAGE_STAFF, DEST)
    _, secret = create_token(staff, "只读", now=utcnow(), read_only=True)
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.get("/api/v1/households", headers=headers).status_code == 200
    resp = client.post("/api/v1/households", json=household_body(), headers=headers)
    assert "只读" in is_problem(resp, 403)["detail"]
    assert db.session.scalar(select(func.count()).select_from(Household)) == 0
    posts = [
        re.sub(r"<[^>]+>", "1", rule.rule)
        for rule in client.application.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and "POST" in (rule.methods or ())
    ]
    assert len(posts) >= 5  # households, intakes, claim, release, act
    for path in posts:
        is_problem(client.post(path, json={}, headers=headers), 403)


def test_an_expired_token_answers_401(client, make_user, db):  # type: ignore[no-untyped-def]
    staff = make_user(Role.VILLAGE_STAFF, DEST)
    _, old = create_token(staff, "旧", now=utcnow() - timedelta(days=91))
    _, month = create_token(staff, "月", now=utcnow() - timedelta(days=29), days=30)
    db.session.commit()
    is_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}), 401)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {month}"}).status_code == 200
    login(client, staff)
    assert "已过期" in client.get("/account/tokens").get_data(as_text=True)


def test_lists_mask_names_and_a_visible_record_gives_them_in_full(  # type: ignore[no-untyped-def]
    client, make_user, make_household, db
):
    staff = make_user(Role.VILLAGE_STAFF, DEST)
    outsider = make_user(Role.VILLAGE_STAFF, "411221100202")
    hh = make_household()
    head = hh.members[0]
    full = head.name
    auth = token_for(db, staff)
    listed = client.get("/api/v1/households", headers=auth).json["items"]
    assert [m["name"] for m in listed[0]["members"]] == [mask_name(p.name) for p in hh.members]
    found = client.get(f"/api/v1/persons?q={full}", headers=auth).json["items"]
    assert [p["name"] for p in found] == [mask_name(full)] and found[0]["name"] != full
    by_id = client.get(f"/api/v1/persons?id_number={head.id_number}", headers=auth).json
    assert by_id["items"][0]["name"] == mask_name(full)
    assert full not in client.get("/api/v1/persons", headers=auth).get_data(as_text=True)
    assert client.get(f"/api/v1/persons/{head.id}", headers=auth).json["name"] == full
    record = client.get(f"/api/v1/households/{hh.id}", headers=auth).json
    assert record["members"][0]["name"] == full
    is_problem(client.get(f"/api/v1/persons/{head.id}", headers=token_for(db, outsider)), 403)
