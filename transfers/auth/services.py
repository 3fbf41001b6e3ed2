"""Login with lockout after repeated failures; session token rotation."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from transfers.auth.models import RoleGrant, User
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from workflows.i18n import gettext as _
from workflows.roles import Role


class LoginRefused(Exception):
    pass


def authenticate(
    username: str, password: str, *, now: datetime, max_failures: int, lockout_minutes: int
) -> User:
    """Check a password; lock the account for a while after `max_failures` failures."""
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        raise LoginRefused(_("用户名或密码错误"))
    if user.locked_until is not None and user.locked_until > now:
        minutes = int((user.locked_until - now).total_seconds() // 60) + 1
        raise LoginRefused(_("密码错误次数过多，账号已锁定，请%(n)s分钟后再试", n=minutes))
    if not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lockout_minutes)
            user.failed_logins = 0
            raise LoginRefused(_("密码错误次数过多，账号已锁定%(n)s分钟", n=lockout_minutes))
        raise LoginRefused(_("用户名或密码错误"))
    user.failed_logins = 0
    user.locked_until = None
    user.session_token = secrets.token_hex(16)  # rotates the session identity
    return user


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
