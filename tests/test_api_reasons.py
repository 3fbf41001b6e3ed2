"""The API refuses a choice the case does not allow with the reason the pages give."""

from __future__ import annotations

import re

from tests.conftest import login
from tests.test_api import household_body, is_problem, token_for
from workflows.roles import Role


def test_a_disallowed_hukou_option_is_refused_with_the_household_reason(client, make_user, db, geo):  # type: ignore[no-untyped-def]
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    auth = token_for(db, staff)
    created = client.post(
        "/api/v1/households", json=household_body(site_id=geo.site.id), headers=auth
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    hh = created.json
    head = hh["members"][0]["id"]
    intake = client.post(
        "/api/v1/intakes",
        headers=auth,
        json={"household_id": hh["id"], "requests": [{"person_id": head, "procedure": "hukou"}]},
    )
    assert intake.status_code == 201, intake.get_data(as_text=True)
    task = client.get("/api/v1/tasks", headers=auth).json["items"][0]
    claimed = client.post(f"/api/v1/tasks/{task['id']}/claim", headers=auth)
    assert claimed.status_code == 200

    # The household page says why the village group is not open to this household.
    login(client, staff)
    page = client.get(f"/households/{hh['id']}").get_data(as_text=True)
    shown = re.search(r"<strong>安置地村组落户</strong>：([^<]+)</li>", page)
    assert shown is not None and "不可选" in page
    reason = shown.group(1).strip()

    refused = client.post(
        f"/api/v1/tasks/{task['id']}/act",
        headers=auth,
        json={
            "action": "submit",
            "version": claimed.json["case_version"],
            "data": {"option": "village_group", "group_name": "一组"},
        },
    )
    body = is_problem(refused, 422)
    assert body["errors"] == {"option": f"不能选择“安置地村组落户”：{reason}"}
    assert reason in body["detail"]
    case = client.get(f"/api/v1/cases/{task['case_id']}", headers=auth).json
    assert case["state"] == "application" and case["version"] == claimed.json["case_version"]
