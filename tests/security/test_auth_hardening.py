"""Login and account findings of the security review, each pinned by its attack:
open redirect after login, lockout beaten by parallel guesses, account enumeration, and
an administrator's password reset or role change leaving sessions and tokens alive."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import NOW, PASSWORD, login, post_form
from transfers.api.models import ApiToken
from transfers.api.tokens import create_token
from transfers.auth import services as auth_services
from transfers.auth.models import LoginThrottle, User
from transfers.auth.services import LoginRefused, authenticate
from transfers.extensions import db as _db
from workflows.roles import Role

LIMITS = {"max_failures": 5, "lockout_minutes": 15}


@pytest.mark.parametrize(
    "target",
    ["/%09/evil.example", "/\\evil.example", "//evil.example", "https://evil.example/", "/ /x"],
)
def test_login_never_redirects_off_site(client, make_user, target):
    user = make_user(Role.VILLAGE_STAFF, "411221100201")
    resp = post_form(
        client,
        "/login",
        {"username": user.username, "password": PASSWORD},
        post_url=f"/login?next={target}",
    )
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert "evil" not in location and not location.startswith("//")


def test_login_keeps_a_local_next_page(client, make_user):
    user = make_user(Role.VILLAGE_STAFF, "411221100201")
    resp = post_form(
        client,
        "/login",
        {"username": user.username, "password": PASSWORD},
        post_url="/login?next=/tasks/?page=2",
    )
    assert resp.headers["Location"] == "/tasks/?page=2"


def _attempt(app, username: str, password: str, results: list[str], barrier) -> None:
    with app.app_context():
        barrier.wait()
        try:
            authenticate(username, password, now=NOW, **LIMITS)
            results.append("in")
        except LoginRefused as e:
            results.append(str(e))
        _db.session.commit()
        _db.session.remove()


def _burst(app, attempts: list[tuple[str, str]]) -> list[str]:
    barrier = threading.Barrier(len(attempts))
    results: list[str] = []
    threads = [
        threading.Thread(target=_attempt, args=(app, u, p, results, barrier)) for u, p in attempts
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_parallel_wrong_passwords_are_all_counted(app, make_user, db):
    user = make_user(Role.VILLAGE_STAFF, "411221100201")
    _db.session.commit()
    results = _burst(app, [(user.username, "wrong")] * 16)
    assert len(results) == 16 and "in" not in results
    row = db.session.get(LoginThrottle, user.username)
    assert row.attempts == 16  # no lost update
    assert row.locked_until == NOW + timedelta(minutes=15)
    with pytest.raises(LoginRefused, match="已锁定"):
        authenticate(user.username, PASSWORD, now=NOW + timedelta(minutes=14), **LIMITS)


def test_the_right_password_after_a_burst_is_refused(app, make_user, db):
    user = make_user(Role.VILLAGE_STAFF, "411221100201")
    _db.session.commit()
    _burst(app, [(user.username, "wrong")] * 15)
    with pytest.raises(LoginRefused, match="已锁定"):
        authenticate(user.username, PASSWORD, now=NOW, **LIMITS)


def test_an_attempt_counted_past_the_limit_is_refused_before_the_lock_lands(app, make_user, db):
    """The state a burst leaves between its fifth failure and the lock being written:
    the count is at the limit, no lock yet. The right password is refused all the same."""
    user = make_user(Role.VILLAGE_STAFF, "411221100201")
    db.session.add(LoginThrottle(username=user.username, attempts=5, last_at=NOW))
    db.session.commit()
    with pytest.raises(LoginRefused, match="已锁定"):
        authenticate(user.username, PASSWORD, now=NOW, **LIMITS)


def test_unknown_names_answer_like_known_ones(client, make_user, db, monkeypatch):
    """Same messages, same lockout, and one password hash per attempt either way."""
    known = make_user(Role.VILLAGE_STAFF, "411221100201")
    checks: list[str] = []
    real_check = auth_services.check_password_hash
    monkeypatch.setattr(
        auth_services,
        "check_password_hash",
        lambda h, p: checks.append(h) or real_check(h, p),
    )
    answers = {}
    for name in (known.username, "no_such_user"):
        pages = [
            post_form(client, "/login", {"username": name, "password": "wrong"}) for _ in range(6)
        ]
        answers[name] = [(r.status_code, _message(r.get_data(as_text=True))) for r in pages]
    assert answers[known.username] == answers["no_such_user"]
    assert "已锁定" in answers["no_such_user"][-1][1]
    assert len(checks) == 12  # every attempt costs one hash, known name or not


def _message(html: str) -> str:
    for text in ("已锁定", "用户名或密码错误"):
        if text in html:
            return text
    return html[:200]


def test_lock_expires_and_the_count_starts_again(app, make_user, db):
    user = make_user(Role.VILLAGE_STAFF, "411221100201")
    for _ in range(5):
        with pytest.raises(LoginRefused):
            authenticate(user.username, "wrong", now=NOW, **LIMITS)
    later = NOW + timedelta(minutes=16)
    assert authenticate(user.username, PASSWORD, now=later, **LIMITS).id == user.id
    assert db.session.get(LoginThrottle, user.username) is None


def _edit_user(client, user: User, **fields):  # type: ignore[no-untyped-def]
    data = {"display_name": user.display_name, "active": "y", **fields}
    return post_form(client, f"/admin/users/{user.id}", data)


def test_password_reset_ends_sessions_and_tokens(app, make_user, db):
    admin = make_user(Role.ADMIN, "4112")
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    _, secret = create_token(staff, "sync", now=NOW)
    db.session.commit()
    staff_client = app.test_client()
    login(staff_client, staff)
    api = {"Authorization": f"Bearer {secret}"}
    assert staff_client.get("/api/v1/me", headers=api).status_code == 200
    admin_client = app.test_client()
    login(admin_client, admin)
    assert _edit_user(admin_client, staff, new_password="a-new-pass-9").status_code == 302
    assert staff_client.get("/tasks/").status_code == 302  # logged out
    assert app.test_client().get("/api/v1/me", headers=api).status_code == 401
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == staff.id))
    db.session.refresh(token)
    assert token.revoked_at is not None


def test_saving_a_name_keeps_sessions(app, make_user, db):
    admin = make_user(Role.ADMIN, "4112")
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    staff_client = app.test_client()
    login(staff_client, staff)
    admin_client = app.test_client()
    login(admin_client, admin)
    resp = _edit_user(admin_client, staff, display_name="新名字")
    assert resp.status_code == 302
    assert staff_client.get("/tasks/").status_code == 200


def test_a_new_role_ends_sessions(app, make_user, db):
    admin = make_user(Role.ADMIN, "4112")
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    staff_client = app.test_client()
    login(staff_client, staff)
    admin_client = app.test_client()
    login(admin_client, admin)
    resp = post_form(
        admin_client,
        f"/admin/users/{staff.id}",
        {"role": "village_staff", "jurisdiction_code": "411221100202"},
        post_url=f"/admin/users/{staff.id}/grants",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    assert staff_client.get("/tasks/").status_code == 302


def test_signed_in_pages_are_not_stored_by_browsers(client, make_user, make_household, db):
    household = make_household()
    login(client, make_user(Role.VILLAGE_STAFF, "411221100201"))
    for url in (f"/households/{household.id}", "/households/", "/tasks/"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    static = client.get("/static/app.css")
    assert "no-store" not in (static.headers.get("Cache-Control") or "")
    static.close()
