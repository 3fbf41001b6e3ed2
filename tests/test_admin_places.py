"""The administrator's county page and the jurisdiction picker's data."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import PASSWORD, login, post_form
from transfers.jurisdictions.models import Jurisdiction
from workflows.roles import Role


def count(db) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(Jurisdiction))


def test_pick_preview_and_enable_a_county(client, make_user, db):
    admin = make_user(Role.ADMIN, "41")
    login(client, admin)
    page = client.get("/admin/places/").get_data(as_text=True)
    assert "河南省" in page and "山西省" not in page  # only the admin's own area
    page = client.get("/admin/places/?province=41").get_data(as_text=True)
    assert "三门峡市" in page
    page = client.get("/admin/places/?province=41&city=4112").get_data(as_text=True)
    assert "卢氏县" in page
    before = count(db)
    page = client.get("/admin/places/?county=411224").get_data(as_text=True)
    assert "河南省三门峡市卢氏县" in page and "官坡镇" in page and "杜关村" in page
    assert "将新建292个区划" in page and count(db) == before  # a preview changes nothing
    resp = post_form(
        client, "/admin/places/?county=411224", {"county": "411224"}, "/admin/places/enable"
    )
    assert resp.status_code == 302
    assert count(db) == before + 292
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已启用河南省三门峡市卢氏县：新建292个区划" in page
    page = client.get("/admin/places/?county=411224").get_data(as_text=True)
    assert "已全部启用" in page
    resp = post_form(
        client, "/admin/places/?county=411224", {"county": "411224"}, "/admin/places/enable"
    )
    assert count(db) == before + 292


def test_search_a_county_by_name(client, make_user):
    login(client, make_user(Role.ADMIN, "41"))
    page = client.get("/admin/places/?q=卢氏").get_data(as_text=True)
    assert "河南省三门峡市卢氏县（411224）" in page
    page = client.get("/admin/places/?q=垣曲县").get_data(as_text=True)  # another province
    assert "找不到“垣曲县”" in page


def test_enabling_outside_the_area_is_refused(client, make_user, db):
    login(client, make_user(Role.ADMIN, "4112"))
    before = count(db)
    resp = post_form(client, "/admin/places/", {"county": "140827"}, "/admin/places/enable")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "只能启用本人管理辖区内的区县" in page and count(db) == before


def test_staff_cannot_enable(client, make_user):
    login(client, make_user(Role.VILLAGE_STAFF, "411221100201"))
    assert client.get("/admin/places/").status_code == 403
    assert client.get("/admin/places/jurisdictions.json?q=城关").status_code == 403


def test_picker_data_stays_within_the_area(client, make_user, geo):
    login(client, make_user(Role.ADMIN, "411221"))
    rows = client.get("/admin/places/jurisdictions.json?q=村").get_json()
    assert {r["code"] for r in rows} == {"411221205", "411221205201", "411221101201"}
    assert all(r["code"].startswith("411221") for r in rows)
    roots = client.get("/admin/places/jurisdictions.json").get_json()
    assert [r["code"] for r in roots] == ["411221"]
    kids = client.get(f"/admin/places/jurisdictions.json?parent={roots[0]['id']}").get_json()
    assert [r["name"] for r in kids] == ["城关镇", "英豪镇", "段村乡"]
    assert kids[0]["full_name"] == "河南省三门峡市渑池县城关镇"
    outside = client.get(f"/admin/places/jurisdictions.json?parent={geo['140827'].id}").get_json()
    assert outside == []


def test_a_grant_by_name(client, make_user, db, geo):
    login(client, make_user(Role.ADMIN, "4112"))
    base = {"username": "by_name", "display_name": "按名称", "password": PASSWORD}
    resp = post_form(
        client,
        "/admin/users/new",
        {**base, "role": "police_station", "jurisdiction_code": "渑池县城关镇"},
    )
    assert resp.status_code == 302
    resp = post_form(
        client,
        "/admin/users/new",
        {**base, "username": "by_name2", "role": "police_station", "jurisdiction_code": "不存在镇"},
    )
    assert resp.status_code == 422 and "找不到“不存在镇”" in resp.get_data(as_text=True)


def test_places_by_name_with_or_without_their_ancestors(db, geo):
    from transfers.jurisdictions.enabling import enable_county
    from transfers.jurisdictions.lookup import PlaceNotFound, resolve

    enable_county("卢氏县")
    db.session.commit()
    area = ["41/"]
    for text in (
        "杜关村",
        "杜关镇杜关村",
        "卢氏县杜关村",
        "河南省三门峡市卢氏县杜关镇杜关村",
        "411224101200",
    ):
        assert resolve(text, area).code == "411224101200", text
    assert resolve("五里川镇河南村", area).code.startswith("411224102")
    for text, message in (
        ("河南村", "对应多个区划"),
        ("杜关镇官坡村", "找不到"),
        ("杜关村", "找不到"),
    ):
        try:
            resolve(text, area if text != "杜关村" else ["14/"])
        except PlaceNotFound as e:
            assert message in str(e), (text, str(e))
        else:
            raise AssertionError(text)
