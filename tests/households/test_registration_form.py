"""Registration without traps: nothing is chosen for the clerk that they did not read,
and each refusal names the member row it is about."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.conftest import login, make_id, post_form
from transfers.households.models import Household
from workflows.roles import Role


def _selected(html: str, field_id: str) -> str:
    """The value of the option a select shows (the first one when none is marked)."""
    select_html = re.search(rf'<select[^>]*id="{field_id}"[^>]*>(.*?)</select>', html, re.S)
    assert select_html, field_id
    options = re.findall(r'<option([^>]*)value="([^"]*)"([^>]*)>', select_html.group(1))
    chosen = [v for before, v, after in options if "selected" in before + after]
    return chosen[0] if chosen else options[0][1]


def test_new_form_preselects_nothing_that_must_be_read(client, make_user, geo):
    login(client, make_user(Role.VILLAGE_STAFF, "411221100201"))
    html = client.get("/households/new").get_data(as_text=True)
    assert _selected(html, "settlement_mode") == ""
    for i in range(6):
        for field in ("relation", "pension_status", "medical_insurance"):
            assert _selected(html, f"members-{i}-{field}") == "", (i, field)


def _form(geo, members):  # type: ignore[no-untyped-def]
    data = {
        "origin_id": geo["411221205201"].id,
        "destination_id": geo["411221100201"].id,
        "settlement_mode": "scattered",
        "site_id": 0,
    }
    blank = {"name": "", "id_number": "", "relation": ""}
    for i, row in enumerate(list(members) + [blank] * (6 - len(members))):  # as a browser posts
        row = {"party_status": "none", "assistance": "none", "pension_status": "", **row}
        row.setdefault("medical_insurance", "")
        for field, value in row.items():
            data[f"members-{i}-{field}"] = value
    return data


def test_each_error_names_the_member_row_and_nothing_is_saved(client, make_user, geo, db):
    login(client, make_user(Role.VILLAGE_STAFF, "411221100201"))
    head = {
        "name": "王建国",
        "id_number": make_id(seq=1),
        "relation": "户主",
        "pension_status": "contributing",
        "medical_insurance": "resident",
    }
    spouse = {"name": "李秀英", "id_number": make_id(seq=2, sex="F"), "relation": ""}
    resp = post_form(client, "/households/new", _form(geo, [head, spouse]))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    summary = re.search(r'<ul class="mb-0" id="error-summary">(.*?)</ul>', html, re.S)
    assert summary
    lines = re.findall(r"<li>(.*?)</li>", summary.group(1))
    assert "第2位成员（李秀英）：请选择与户主关系" in lines
    assert "第2位成员（李秀英）：请选择养老保险情况" in lines
    assert "第2位成员（李秀英）：请选择医疗保险情况" in lines
    assert not any(line.startswith("第1位成员") for line in lines)
    assert db.session.scalar(select(func.count()).select_from(Household)) == 0


def test_settlement_mode_must_be_chosen(client, make_user, geo, db):
    login(client, make_user(Role.VILLAGE_STAFF, "411221100201"))
    head = {
        "name": "王建国",
        "id_number": make_id(seq=1),
        "relation": "户主",
        "pension_status": "none",
        "medical_insurance": "resident",
    }
    data = {**_form(geo, [head]), "settlement_mode": ""}
    resp = post_form(client, "/households/new", data)
    assert resp.status_code == 422 and "请选择安置方式" in resp.get_data(as_text=True)
    data["settlement_mode"] = "scattered"
    resp = post_form(client, "/households/new", data)
    assert resp.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Household)) == 1
