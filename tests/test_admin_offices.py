"""Administrator pages for offices: import grants (given and revoked through the CLI's
domain functions, logged alike) and the offices' telephones printed on receipts."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from, login, post_form
from transfers.auth.models import RoleGrant
from transfers.db import utcnow
from transfers.imports.grants import grant_import
from transfers.imports.models import ImportGrant
from transfers.jurisdictions.models import Jurisdiction
from workflows.roles import Role

GRANTS = "/admin/offices/import-grants"
PHONES = "/admin/offices/phones"


def _count_grants(db) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(ImportGrant)) or 0


def _role_grant(db, user) -> RoleGrant:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == user.id))


@pytest.mark.parametrize("url", [GRANTS, PHONES], ids=["import-grants", "phones"])
def test_only_administrators_see_the_office_pages(client, make_user, db, geo, url):  # type: ignore[no-untyped-def]
    for role, code in ((Role.TOWNSHIP_GOVERNMENT, "411221100"), (Role.COUNTY_SUPERVISOR, "411221")):
        c = client.application.test_client()
        login(c, make_user(role, code))
        assert c.get(url).status_code == 403
        token = csrf_from(c.get("/").get_data(as_text=True))  # a valid token of the session
        office = _role_grant(db, make_user(Role.TOWNSHIP_GOVERNMENT, "411221101"))
        posts = {
            GRANTS: [(GRANTS, {"office": office.id}), (f"{GRANTS}/1/revoke", {})],
            PHONES: [(f"{PHONES}/{geo['411221100'].id}", {"phone": "0398-4811025"})],
        }[url]
        for post_url, data in posts:
            assert c.post(post_url, data={"csrf_token": token, **data}).status_code == 403
    assert client.get(url).status_code == 302  # not signed in: to the login page
    assert _count_grants(db) == 0 and geo["411221100"].phone == ""


def test_menu_links_to_the_office_pages(client, make_user):  # type: ignore[no-untyped-def]
    login(client, make_user(Role.ADMIN, "4112"))
    html = client.get("/admin/users").get_data(as_text=True)
    assert f'href="{GRANTS}"' in html and f'href="{PHONES}"' in html


def test_give_list_and_revoke_an_import_grant(client, make_user, db, caplog):  # type: ignore[no-untyped-def]
    admin = make_user(Role.ADMIN, "4112")
    office = make_user(Role.TOWNSHIP_GOVERNMENT, "411221100", username="chengguan_gov")
    login(client, admin)
    page = client.get(GRANTS).get_data(as_text=True)
    office_grant = _role_grant(db, office)
    assert f'value="{office_grant.id}"' in page and "chengguan_gov" in page
    assert "尚无导入授权" in page

    with caplog.at_level(logging.INFO, logger="transfers.imports"):
        resp = post_form(client, GRANTS, {"office": str(office_grant.id)})
    assert resp.status_code == 302
    assert f"granted: chengguan_gov imports for 411221100 (by {admin.username})" in caplog.text
    grant = db.session.scalar(select(ImportGrant))
    assert (grant.user_id, grant.jurisdiction.code, grant.granted_by_id) == (
        office.id,
        "411221100",
        admin.id,
    )
    page = client.get(GRANTS).get_data(as_text=True)
    assert "已授权导入" in page
    listed = page.split('id="import-grants"')[1]
    assert "chengguan_gov" in listed and "城关镇（411221100）" in listed
    assert admin.display_name in listed  # by whom
    # granted offices are no longer offered
    assert f'value="{office_grant.id}"' not in page

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="transfers.imports"):
        resp = post_form(client, GRANTS, {}, post_url=f"{GRANTS}/{grant.id}/revoke")
    assert resp.status_code == 302
    assert f"revoked: chengguan_gov imports for 411221100 (by {admin.username})" in caplog.text
    assert _count_grants(db) == 0
    assert "已撤销导入授权" in client.get(GRANTS).get_data(as_text=True)


def test_the_offices_to_grant_are_narrowed_by_a_name(client, make_user, db, monkeypatch):  # type: ignore[no-untyped-def]
    """A province has thousands of township offices: the list offers the first few and
    says how many there are; a place or user name narrows it."""
    import transfers.admin.import_grants as import_grants

    monkeypatch.setattr(import_grants, "OFFERED", 2)
    login(client, make_user(Role.ADMIN, "4112"))
    chengguan = make_user(Role.TOWNSHIP_GOVERNMENT, "411221100", username="chengguan_gov")
    make_user(Role.TOWNSHIP_GOVERNMENT, "411221101", username="township_b")
    make_user(Role.COUNTY_SUPERVISOR, "411221", username="county_lead")
    page = client.get(GRANTS).get_data(as_text=True)
    assert "共3个单位，列出前2个" in page
    assert page.count('<option value="') == 3  # 请选择 and the first two

    page = client.get(GRANTS, query_string={"q": "城关"}).get_data(as_text=True)
    assert f'value="{_role_grant(db, chengguan).id}"' in page and "找到1个单位" in page
    assert "township_b" not in page and "county_lead" not in page
    page = client.get(GRANTS, query_string={"q": "county_l"}).get_data(as_text=True)
    assert "county_lead" in page and "chengguan_gov" not in page
    page = client.get(GRANTS, query_string={"q": "无此地"}).get_data(as_text=True)
    assert "没有找到“无此地”的单位" in page and page.count('<option value="') == 1


def test_the_cli_logs_its_grants_like_the_page(app, make_user, db, caplog):  # type: ignore[no-untyped-def]
    make_user(Role.TOWNSHIP_GOVERNMENT, "411221100", username="chengguan_gov")
    runner = app.test_cli_runner()
    with caplog.at_level(logging.INFO, logger="transfers.imports"):
        result = runner.invoke(args=["grant-import", "chengguan_gov", "411221100"])
    assert result.exit_code == 0, result.output
    assert "granted: chengguan_gov imports for 411221100 (by system)" in caplog.text
    assert db.session.scalar(select(ImportGrant.granted_by_id)) is None


def test_a_grant_given_by_the_cli_is_listed_and_revoked_on_the_page(client, make_user, db):  # type: ignore[no-untyped-def]
    admin = make_user(Role.ADMIN, "4112")
    office = make_user(Role.CIVIL_AFFAIRS_BUREAU, "411221", username="mianchi_civil")
    grant_import(office, "411221", now=utcnow())
    db.session.commit()
    login(client, admin)
    page = client.get(GRANTS).get_data(as_text=True)
    assert "mianchi_civil" in page and "命令行" in page
    grant = db.session.scalar(select(ImportGrant))
    resp = post_form(client, GRANTS, {}, post_url=f"{GRANTS}/{grant.id}/revoke")
    assert resp.status_code == 302 and _count_grants(db) == 0


def test_bad_grants_are_refused_with_a_reason_and_change_nothing(client, make_user, db):  # type: ignore[no-untyped-def]
    admin = make_user(Role.ADMIN, "4112")
    village = make_user(Role.VILLAGE_STAFF, "411221100201")
    elsewhere = make_user(Role.TOWNSHIP_GOVERNMENT, "140827203")
    login(client, admin)
    cases = {
        "": "请选择要授权导入的用户",
        "abc": "请选择要授权导入的用户",
        "999999": "请选择要授权导入的用户",
        str(_role_grant(db, village).id): "导入授权只给乡镇（街道）或区县一级",
        str(_role_grant(db, elsewhere).id): "只能在本人管理的辖区内授权",
    }
    for value, message in cases.items():
        resp = post_form(client, GRANTS, {"office": value}, follow_redirects=True)
        assert message in resp.get_data(as_text=True), value
    assert _count_grants(db) == 0
    # a grant outside the admin's area cannot be revoked, nor one that does not exist
    other = make_user(Role.ADMIN, "14")
    outside = grant_import(elsewhere, "140827203", now=utcnow(), by=other)
    db.session.commit()
    for grant_id in (outside.id, 999999):
        resp = post_form(
            client, GRANTS, {}, post_url=f"{GRANTS}/{grant_id}/revoke", follow_redirects=True
        )
        assert "找不到该导入授权或无权撤销" in resp.get_data(as_text=True)
    assert _count_grants(db) == 1
    # and without the page's token nothing is given
    resp = client.post(GRANTS, data={"office": str(_role_grant(db, village).id)})
    assert resp.status_code in (302, 400) and _count_grants(db) == 1


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("0398-4811025", "0398-4811025"),
        ("0398 4811025", "0398-4811025"),
        ("（0398）4811025", "0398-4811025"),
        ("01062345678", "010-62345678"),
        ("0398-4811025转801", "0398-4811025-801"),
        ("138 1234 5678", "13812345678"),
        ("+86 13812345678", "13812345678"),
        ("", ""),
    ],
)
def test_an_office_phone_is_kept_in_one_form(client, make_user, db, geo, typed, kept):  # type: ignore[no-untyped-def]
    login(client, make_user(Role.ADMIN, "4112"))
    office = geo["411221100"]
    office.phone = "0398-4800000"
    db.session.commit()
    resp = post_form(client, PHONES, {"phone": typed}, post_url=f"{PHONES}/{office.id}")
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Jurisdiction, office.id).phone == kept


@pytest.mark.parametrize(
    "typed",
    ["4811025", "0398-481102", "010-6234567", "0398-0811025", "12812345678", "1381234567", "电话"],
)
def test_a_wrong_phone_is_refused_and_kept_on_the_page(client, make_user, db, geo, typed):  # type: ignore[no-untyped-def]
    login(client, make_user(Role.ADMIN, "4112"))
    office = geo["411221100"]
    office.phone = "0398-4811025"
    db.session.commit()
    resp = post_form(client, PHONES, {"phone": typed}, post_url=f"{PHONES}/{office.id}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "格式不正确" in html and f'value="{typed}"' in html
    db.session.expire_all()
    assert db.session.get(Jurisdiction, office.id).phone == "0398-4811025"


def test_phones_only_within_the_admins_area(client, make_user, db, geo):  # type: ignore[no-untyped-def]
    login(client, make_user(Role.ADMIN, "411221"))
    page = client.get(PHONES).get_data(as_text=True)
    assert "城关镇" in page and "山西省" not in page and "陕州区" not in page
    assert "城关镇" in client.get(PHONES + "?q=411221100").get_data(as_text=True)
    assert "英豪镇" not in client.get(PHONES + "?q=城关").get_data(as_text=True)
    outside = geo["140827203"]
    resp = post_form(client, PHONES, {"phone": "0359-6012345"}, post_url=f"{PHONES}/{outside.id}")
    assert resp.status_code == 422 and "只能修改本人管理的辖区的电话" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Jurisdiction, outside.id).phone == ""


def test_office_pages_read_in_english(client, make_user, db, geo):  # type: ignore[no-untyped-def]
    from tests.test_i18n_pages import assert_english, english

    admin = make_user(Role.ADMIN, "4112")
    office = make_user(Role.TOWNSHIP_GOVERNMENT, "411221100", username="chengguan_gov")
    grant_import(office, "411221100", now=utcnow(), by=admin)
    db.session.commit()
    login(client, admin)
    english(client)
    for url in (GRANTS, PHONES):
        assert_english(client.get(url).get_data(as_text=True), db, url)
    resp = post_form(client, PHONES, {"phone": "123"}, post_url=f"{PHONES}/{geo['411221'].id}")
    assert resp.status_code == 422
    assert_english(resp.get_data(as_text=True), db, "phone refused")
    assert "is not valid" in resp.get_data(as_text=True)
