"""Login with lockout after repeated failures; session token rotation."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from transfers.auth import models as auth_models
from transfers.auth.models import RoleGrant, User
from transfers.auth.throttle import clear, count_attempt, lock
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from workflows.i18n import gettext as _
from workflows.roles import Role


class LoginRefused(Exception):
    pass


def authenticate(
    username: str, password: str, *, now: datetime, max_failures: int, lockout_minutes: int
) -> User:
    """Check a password; lock the name for a while after `max_failures` failed attempts.

    Every attempt is counted in SQL before the password is checked, and every attempt
    costs one password hash, whether the name exists or not: same answers, same time.
    """
    # Annotated: User subclasses Flask-Login's untyped UserMixin, so select() infers Any.
    user: User | None = db.session.scalar(select(User).where(User.username == username.strip()))
    matches = check_password_hash(user.password_hash if user else _decoy_hash(), password)
    attempt = count_attempt(username, now=now, window_minutes=lockout_minutes)
    if attempt.locked_until is not None and attempt.locked_until > now:
        minutes = int((attempt.locked_until - now).total_seconds() // 60) + 1
        raise LoginRefused(_("密码错误次数过多，账号已锁定，请%(n)s分钟后再试", n=minutes))
    if attempt.number > max_failures:  # a parallel attempt reached the limit first
        raise LoginRefused(_("密码错误次数过多，账号已锁定%(n)s分钟", n=lockout_minutes))
    if user is None or not user.active or not matches:
        if attempt.number >= max_failures:
            lock(username, until=now + timedelta(minutes=lockout_minutes))
            raise LoginRefused(_("密码错误次数过多，账号已锁定%(n)s分钟", n=lockout_minutes))
        raise LoginRefused(_("用户名或密码错误"))
    clear(username)
    user.session_token = secrets.token_hex(16)  # rotates the session identity
    return user


@cache
def _decoy_hash() -> str:
    """A hash to check unknown names against, so they cost what a real check costs."""
    return generate_password_hash(secrets.token_hex(16), method=auth_models.PASSWORD_METHOD)


def end_session(user: User) -> None:
    user.session_token = secrets.token_hex(16)


def create_user(
    username: str,
    display_name: str,
    password: str,
    grants: list[tuple[Role, Jurisdiction]],
) -> User:
    user = User(username=username, display_name=display_name, session_token="")
    user.set_password(password)
    for role, jurisdiction in grants:
        user.grants.append(RoleGrant(role=str(role), jurisdiction=jurisdiction))
    db.session.add(user)
    db.session.flush()
    return user


class PasswordChangeRefused(ValueError):
    pass


def change_initial_password(user: User, current: str, new: str) -> None:
    """Replace a printed initial password by the user's own (at first login)."""
    if not user.check_password(current):
        raise PasswordChangeRefused(_("初始密码不正确"))
    if new == current:
        raise PasswordChangeRefused(_("新密码不能与初始密码相同"))
    user.set_password(new)
    user.must_change_password = False
    db.session.flush()
