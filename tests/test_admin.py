"""Administrators manage users, role grants, jurisdictions and sites within their area."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import login, post_form
from transfers.auth.models import RoleGrant, User
from transfers.jurisdictions.models import Jurisdiction, Site
from workflows.roles import Role


def test_only_admins(client, make_user):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    login(client, staff)
    assert client.get("/admin/users").status_code == 403


def test_create_user_with_a_grant_and_log_in(app, client, make_user, db):
    admin = make_user(Role.ADMIN, "4112")
    login(client, admin)
    resp = post_form(
        client,
        "/admin/users/new",
        {
            "username": "new_police",
            "display_name": "新民警",
            "password": "long-password",
            "role": "police_station",
            "jurisdiction_code": "411221100",
        },
    )
    assert resp.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "new_police"))
    assert [(g.role, g.jurisdiction.code) for g in user.grants] == [("police_station", "411221100")]
    c2 = app.test_client()
    resp = post_form(c2, "/login", {"username": "new_police", "password": "long-password"})
    assert resp.status_code == 302


def test_grants_respect_level_and_area(client, make_user, db):
    admin = make_user(Role.ADMIN, "4112")
    login(client, admin)
    base = {"username": "x_user", "display_name": "x", "password": "long-password"}
    # a police station is a township office, not a village one
    resp = post_form(
        client,
        "/admin/users/new",
        {**base, "role": "police_station", "jurisdiction_code": "411221100201"},
    )
    assert resp.status_code == 422 and "乡镇/街道一级" in resp.get_data(as_text=True)
    # outside the admin's area (another province)
    resp = post_form(
        client,
        "/admin/users/new",
        {**base, "role": "police_station", "jurisdiction_code": "140827203"},
    )
    assert resp.status_code == 422 and "本人管理的辖区" in resp.get_data(as_text=True)
    assert (
        db.session.scalar(select(func.count()).select_from(User).where(User.username == "x_user"))
        == 0
    )


def test_revoke_ends_sessions(app, make_user, db):
    admin = make_user(Role.ADMIN, "4112")
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    sc = app.test_client()
    login(sc, staff)
    assert sc.get("/tasks/").status_code == 200
    ac = app.test_client()
    login(ac, admin)
    grant = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == staff.id))
    resp = post_form(
        ac,
        f"/admin/users/{staff.id}",
        {},
        post_url=f"/admin/users/{staff.id}/grants/{grant.id}/revoke",
    )
    assert resp.status_code == 302
    assert sc.get("/tasks/").status_code == 302  # logged out


def test_add_township_village_and_site(client, make_user, geo, db):
    admin = make_user(Role.ADMIN, "4112")
    login(client, admin)
    county = geo["411221"]
    page = f"/admin/jurisdictions/{county.id}"
    resp = post_form(
        client, page, {"code": "411221102", "name": "张村镇"}, post_url=f"{page}/children"
    )
    assert resp.status_code == 302
    town = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "411221102"))
    assert town.level == "township" and town.path == county.path + "411221102/"
    resp = post_form(client, page, {"code": "999", "name": "错误"}, post_url=f"{page}/children")
    assert (
        db.session.scalar(
            select(func.count()).select_from(Jurisdiction).where(Jurisdiction.code == "999")
        )
        == 0
    )
    tpage = f"/admin/jurisdictions/{town.id}"
    post_form(client, tpage, {"code": "411221102201", "name": "张村"}, post_url=f"{tpage}/children")
    village = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "411221102201"))
    vpage = f"/admin/jurisdictions/{village.id}"
    post_form(
        client,
        vpage,
        {"name": "张村安置点", "kind": "centralized", "address": "张村路1号"},
        post_url=f"{vpage}/sites",
    )
    assert (
        db.session.scalar(select(Site).where(Site.name == "张村安置点")).jurisdiction_id
        == village.id
    )


def test_a_refused_form_says_its_own_message(client, make_user, geo, db):
    """The forms' messages are lazy strings: each is said, and nothing is added."""
    login(client, make_user(Role.ADMIN, "4112"))
    page = f"/admin/jurisdictions/{geo['411221'].id}"
    resp = post_form(client, page, {"code": "abc", "name": "张村镇"}, post_url=f"{page}/children")
    assert resp.status_code == 302
    assert "区划代码应为数字" in client.get(resp.headers["Location"]).get_data(as_text=True)
    added = select(func.count()).select_from(Jurisdiction).where(Jurisdiction.name == "张村镇")
    assert db.session.scalar(added) == 0
