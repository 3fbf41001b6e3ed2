"""Family actions: one hukou form for a household's members and one police approval,
each member still its own case and event, all or nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import NOW, csrf_from, login
from transfers.cases.family_address import door_plate
from transfers.cases.models import Case, Event
from transfers.cases.services import open_intake
from transfers.engine import act
from workflows.roles import Role

ADDRESS = "城关镇幸福路88号3栋2单元501室"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        (ADDRESS, ("3", "2", "501", "")),
        ("幸福家园 ３幢 １单元 ６０２", ("3", "1", "602", "")),
        ("幸福路88号12号楼1002", ("12", "", "1002", "")),
        ("英豪镇英豪新村5组", ("", "", "", "5组")),
        ("城关镇幸福路88号", ("", "", "", "")),
        ("", ("", "", "", "")),
    ],
)
def test_door_plate_read_from_the_address(address, expected):
    found = door_plate(address)
    assert (found["building"], found["unit"], found["door"], found["group_name"]) == expected


@pytest.fixture()
def family(make_user, make_household, db):  # type: ignore[no-untyped-def]
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    police = make_user(Role.POLICE_STATION, "411221100")
    hh = make_household(members=3, address=ADDRESS)
    members = [(p, "hukou") for p in hh.members]
    intake = open_intake(household=hh, requests=members, actor=staff, now=NOW)
    db.session.commit()
    cases = sorted(intake.cases, key=lambda c: c.id)
    return {"staff": staff, "police": police, "household": hh, "cases": cases}


def _client(app, user):  # type: ignore[no-untyped-def]
    c = app.test_client()
    login(c, user)
    return c


def _states(db, cases):  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return [db.session.get(Case, c.id).state for c in cases]


def _form(client, url):  # type: ignore[no-untyped-def]
    """The form's fields as the browser would send them (inputs, selected options)."""
    html = client.get(url).get_data(as_text=True)
    data = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', body) or re.search(
            r'<option value="([^"]*)" selected', body
        )
        data[name] = chosen.group(1) if chosen else ""
    data["csrf_token"] = csrf_from(html)
    return html, data


def test_household_page_links_the_family_form(app, family):
    c = _client(app, family["staff"])
    html = c.get(f"/households/{family['household'].id}").get_data(as_text=True)
    assert "全户确认落户方式（3人）" in html
    case_page = c.get(f"/cases/{family['cases'][0].id}").get_data(as_text=True)
    assert "全户确认落户方式（3人）" in case_page
    c = _client(app, family["police"])
    assert "全户" not in c.get(f"/households/{family['household'].id}").get_data(as_text=True)


def test_one_form_settles_every_member_each_as_its_own_case(app, family, db):
    c = _client(app, family["staff"])
    url = f"/family/{family['household'].id}/hukou-settle"
    html, data = _form(c, url)
    # the door plate comes from the household's 现住址, the only allowed option is chosen
    assert (data["building"], data["unit"], data["door"]) == ("3", "2", "501")
    for case in family["cases"]:
        assert data[f"m{case.id}_option"] == "site_address"
        assert data[f"m{case.id}_decision"] == "submit"
    resp = c.post(url, data=data)
    assert resp.status_code == 303
    assert _states(db, family["cases"]) == ["police_review"] * 3
    for case in family["cases"]:
        kinds = db.session.scalars(
            select(Event.kind).where(Event.case_id == case.id).order_by(Event.id)
        ).all()
        assert kinds == ["opened", "transition"]
        assert db.session.get(Case, case.id).data["proposed_address"].endswith("3栋2单元501号")
    shown = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已一并办理3人" in shown and "王建国、李秀英、王建国" not in shown


def test_a_refused_member_keeps_the_whole_family_unmoved_and_the_input(app, family, db):
    c = _client(app, family["staff"])
    url = f"/family/{family['household'].id}/hukou-settle"
    _html, data = _form(c, url)
    data["building"] = ""
    data["note"] = "一家三口一起落户"
    resp = c.post(url, data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "须填写楼栋号" in html and "一家三口一起落户" in html and "未办理任何成员" in html
    assert "王建国：" in html  # the refusal names the member
    assert _states(db, family["cases"]) == ["application"] * 3


def test_leaving_a_member_for_later_moves_only_the_others(app, family, db):
    c = _client(app, family["staff"])
    url = f"/family/{family['household'].id}/hukou-settle"
    _html, data = _form(c, url)
    data[f"m{family['cases'][2].id}_decision"] = ""
    assert c.post(url, data=data).status_code == 303
    assert _states(db, family["cases"]) == ["police_review", "police_review", "application"]
    # one member left: the per-case form is as short, the family link is not offered
    html = c.get(f"/households/{family['household'].id}").get_data(as_text=True)
    assert "全户确认落户方式" not in html


def test_nothing_chosen_is_refused(app, family, db):
    c = _client(app, family["staff"])
    url = f"/family/{family['household'].id}/hukou-settle"
    _html, data = _form(c, url)
    data.update({k: "" for k in data if k.endswith("_decision")})
    resp = c.post(url, data=data)
    assert resp.status_code == 422 and "请至少选择一名成员办理" in resp.get_data(as_text=True)


def _settle_all(family, db):  # type: ignore[no-untyped-def]
    data = {"option": "site_address", "building": "3", "unit": "2", "door": "501"}
    for case in family["cases"]:
        act(
            case_id=case.id,
            action="submit",
            actor=family["staff"],
            seen_version=None,
            data=data,
            now=NOW,
        )
    db.session.commit()


def test_police_approves_and_returns_a_family_in_one_form(app, family, db):
    _settle_all(family, db)
    c = _client(app, family["police"])
    assert "全户派出所审核（3人）" in c.get(f"/cases/{family['cases'][0].id}").get_data(
        as_text=True
    )
    url = f"/family/{family['household'].id}/hukou-police"
    _html, data = _form(c, url)
    first, second, third = family["cases"]
    assert data[f"m{first.id}_new_address"].endswith("3栋2单元501号")
    data[f"m{third.id}_decision"] = "return"
    # a return needs its reason: refused, nobody moves
    resp = c.post(url, data=data)
    assert resp.status_code == 422 and "王建国" in resp.get_data(as_text=True)
    assert _states(db, family["cases"]) == ["police_review"] * 3
    data["reason"] = "缺少户口簿原件"
    resp = c.post(url, data=data)
    assert resp.status_code == 303
    assert _states(db, family["cases"]) == ["completed", "completed", "application"]
    shown = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert "办结：准予落户" in shown and "退回补正" in shown


def test_a_member_moved_meanwhile_is_told_and_nothing_moves(app, family, db):
    c = _client(app, family["staff"])
    url = f"/family/{family['household'].id}/hukou-settle"
    _html, data = _form(c, url)
    data["note"] = "我的备注"
    act(
        case_id=family["cases"][0].id,
        action="decline",
        actor=family["staff"],
        seen_version=None,
        data={},
        now=NOW,
    )
    db.session.commit()
    resp = c.post(url, data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "已有变化" in html and "我的备注" in html
    assert _states(db, family["cases"]) == ["declined", "application", "application"]


def test_a_stale_version_refuses_the_batch(app, family, db):
    c = _client(app, family["staff"])
    url = f"/family/{family['household'].id}/hukou-settle"
    _html, data = _form(c, url)
    data[f"m{family['cases'][1].id}_version"] = "0"
    resp = c.post(url, data=data)
    assert resp.status_code == 409
    assert _states(db, family["cases"]) == ["application"] * 3


def test_permission_is_the_engines(app, family, make_user, db):
    outsider = make_user(Role.VILLAGE_STAFF, "411203105201")
    c = _client(app, outsider)
    assert c.get(f"/family/{family['household'].id}/hukou-settle").status_code == 403
    c = _client(app, family["police"])  # sees the household, holds none of its village steps
    html = c.get(f"/family/{family['household'].id}/hukou-settle").get_data(as_text=True)
    assert "没有等待您办理该环节的成员" in html
    assert c.get(f"/family/{family['household'].id}/no-such").status_code == 404
    # a claim by a colleague takes that member out of the family form
    colleague = make_user(Role.VILLAGE_STAFF, "411221100201")
    from transfers.engine import claim, open_task

    claim(task_id=open_task(family["cases"][0]).id, actor=colleague, now=NOW)
    db.session.commit()
    c = _client(app, family["staff"])
    html = c.get(f"/family/{family['household'].id}/hukou-settle").get_data(as_text=True)
    assert f'data-member="{family["cases"][0].id}"' not in html
    assert f'data-member="{family["cases"][1].id}"' in html
