"""A password reset by an administrator is, like a printed initial password, changed by
the user at the next login before anything else."""

from __future__ import annotations

from tests.conftest import PASSWORD, csrf_from, login, post_form
from workflows.roles import Role


def _edit(client, user, **data):  # type: ignore[no-untyped-def]
    form = {"display_name": user.display_name, "active": "y", **data}
    return post_form(client, f"/admin/users/{user.id}", form)


def test_reset_password_must_be_changed_at_next_login(app, client, make_user, db):  # type: ignore[no-untyped-def]
    admin = make_user(Role.ADMIN, "4112")
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    login(client, admin)
    resp = _edit(client, staff, new_password="reset-by-admin-1")
    assert resp.status_code == 302
    assert "下次登录须先修改密码" in client.get(resp.headers["Location"]).get_data(as_text=True)
    db.session.refresh(staff)
    assert staff.must_change_password and staff.check_password("reset-by-admin-1")

    user = app.test_client()
    login(user, staff, "reset-by-admin-1")
    for url in ("/tasks/", "/", "/households/"):
        resp = user.get(url)
        assert resp.status_code == 302 and "/password" in resp.headers["Location"], url
    resp = post_form(
        user,
        "/password",
        {"current": "reset-by-admin-1", "new": "reset-by-admin-1", "repeat": "reset-by-admin-1"},
    )
    assert resp.status_code == 422 and "不能与初始密码相同" in resp.get_data(as_text=True)
    resp = post_form(
        user,
        "/password",
        {"current": "reset-by-admin-1", "new": "my-own-pass-9", "repeat": "my-own-pass-9"},
    )
    assert resp.status_code == 302
    db.session.refresh(staff)
    assert not staff.must_change_password and staff.check_password("my-own-pass-9")
    assert user.get("/tasks/").status_code == 200


def test_saving_without_a_new_password_forces_nothing(client, make_user, db):  # type: ignore[no-untyped-def]
    admin = make_user(Role.ADMIN, "4112")
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    login(client, admin)
    assert _edit(client, staff, display_name="幸福社区 新名字").status_code == 302
    db.session.refresh(staff)
    assert staff.display_name == "幸福社区 新名字" and not staff.must_change_password
    assert staff.check_password(PASSWORD)


def test_a_too_short_reset_is_refused_and_changes_nothing(client, make_user, db):  # type: ignore[no-untyped-def]
    admin = make_user(Role.ADMIN, "4112")
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    login(client, admin)
    resp = _edit(client, staff, new_password="short")
    assert resp.status_code == 422 and "密码至少8位" in resp.get_data(as_text=True)
    db.session.refresh(staff)
    assert not staff.must_change_password and staff.check_password(PASSWORD)


def test_only_administrators_reset_passwords(client, make_user, db):  # type: ignore[no-untyped-def]
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    other = make_user(Role.COUNTY_SUPERVISOR, "411221")
    login(client, other)
    token = csrf_from(client.get("/").get_data(as_text=True))  # a valid token of the session
    resp = client.post(
        f"/admin/users/{staff.id}",
        data={"csrf_token": token, "display_name": "x", "new_password": "reset-by-admin-1"},
    )
    assert resp.status_code == 403
    db.session.refresh(staff)
    assert not staff.must_change_password and staff.check_password(PASSWORD)
