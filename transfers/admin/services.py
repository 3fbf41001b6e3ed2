"""Administration: users, role grants, jurisdictions and sites, within the admin's area."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from transfers.api.models import ApiToken
from transfers.auth.models import RoleGrant, User
from transfers.auth.services import end_session
from transfers.auth.throttle import clear as clear_throttle
from transfers.db import utcnow
from transfers.extensions import db
from transfers.field_errors import FieldErrors
from transfers.jurisdictions.lookup import PlaceNotFound
from transfers.jurisdictions.lookup import resolve as resolve_place
from transfers.jurisdictions.models import Jurisdiction, Site
from workflows.i18n import gettext as _
from workflows.roles import LEVEL_ORDER, Level, Role


class AdminError(FieldErrors):
    """An administrator's step refused, by field."""


def admin_paths(admin: User) -> list[str]:
    return [g.jurisdiction.path for g in admin.grants if g.role == Role.ADMIN]


def administers(admin: User, jurisdiction: Jurisdiction) -> bool:
    return any(jurisdiction.path.startswith(p) for p in admin_paths(admin))


def jurisdiction_by_code(code: str) -> Jurisdiction | None:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code.strip()))


def _named_jurisdiction(admin: User, text: str) -> Jurisdiction:
    """A jurisdiction by its code, or by its name within the admin's area."""
    if text.strip().isdigit():
        j = jurisdiction_by_code(text)
        if j is None:
            raise AdminError({"jurisdiction_code": _("找不到区划代码 %(code)s", code=text)})
        return j
    try:
        return resolve_place(text, admin_paths(admin))
    except PlaceNotFound as e:
        raise AdminError({"jurisdiction_code": str(e)}) from None


def _grant_target(admin: User, role: str, code: str) -> tuple[Role, Jurisdiction]:
    try:
        r = Role(role)
    except ValueError:
        raise AdminError({"role": _("角色无效")}) from None
    j = _named_jurisdiction(admin, code)
    if not administers(admin, j):
        raise AdminError({"jurisdiction_code": _("只能在本人管理的辖区内授权")})
    if (problem := grant_level_error(r, j)) is not None:
        raise AdminError({"jurisdiction_code": problem})
    return r, j


def grant_level_error(role: Role, j: Jurisdiction) -> str | None:
    """Why the role cannot be granted at that jurisdiction's level, if it cannot."""
    if role is Role.ADMIN or j.level == role.level:
        return None
    return _(
        "%(role)s应授权在%(level)s一级，所选为%(chosen)s",
        role=_(role.label),
        level=_(role.level.label),
        chosen=_(Level(j.level).label),
    )


def create_account(
    admin: User, username: str, display_name: str, password: str, role: str, code: str
) -> User:
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise AdminError({"username": _("用户名已存在")})
    r, j = _grant_target(admin, role, code)
    user = User(username=username, display_name=display_name, session_token="")
    user.set_password(password)
    user.grants.append(RoleGrant(role=str(r), jurisdiction=j))
    db.session.add(user)
    db.session.flush()
    return user


def add_grant(admin: User, user: User, role: str, code: str) -> RoleGrant:
    r, j = _grant_target(admin, role, code)
    if any(g.role == r and g.jurisdiction_id == j.id for g in user.grants):
        raise AdminError({"role": _("该用户已有此授权")})
    grant = RoleGrant(role=str(r), jurisdiction=j)
    user.grants.append(grant)
    end_all_sessions(user, now=utcnow())
    db.session.flush()
    return grant


def remove_grant(admin: User, user: User, grant_id: int) -> None:
    grant = next((g for g in user.grants if g.id == grant_id), None)
    if grant is None or not administers(admin, grant.jurisdiction):
        raise AdminError({"grant": _("找不到该授权或无权撤销")})
    if user.id == admin.id and grant.role == Role.ADMIN and len(admin_paths(admin)) == 1:
        raise AdminError({"grant": _("不能撤销自己唯一的管理员授权")})
    user.grants.remove(grant)
    db.session.delete(grant)
    end_all_sessions(user, now=utcnow())
    db.session.flush()


def end_all_sessions(user: User, *, now: datetime) -> None:
    """Log the user out everywhere: every browser session and every API token. Done when
    a password is reset, an account deactivated or a role granted or revoked."""
    end_session(user)
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def update_account(
    admin: User, user: User, *, display_name: str, active: bool, new_password: str, now: datetime
) -> None:
    """An administrator's changes to an account. A new password or a deactivation ends
    the user's sessions and tokens; a new password also clears a login lockout and, like
    a printed initial password, must be changed by the user at the next login."""
    if user.id == admin.id and not active:
        raise AdminError({"active": _("不能停用自己的账号")})
    user.display_name = display_name
    ends_sessions = bool(new_password) or (user.active and not active)
    user.active = active
    if new_password:
        user.set_password(new_password)
        user.must_change_password = True
        clear_throttle(user.username)
    if ends_sessions:
        end_all_sessions(user, now=now)
    db.session.flush()


def add_jurisdiction(admin: User, parent: Jurisdiction, code: str, name: str) -> Jurisdiction:
    if not administers(admin, parent):
        raise AdminError({"code": _("只能在本人管理的辖区内新增")})
    level_index = LEVEL_ORDER.index(Level(parent.level)) + 1
    if level_index >= len(LEVEL_ORDER):
        raise AdminError({"code": _("村/社区以下不能再设下级")})
    if not code.startswith(parent.code) or len(code) <= len(parent.code):
        raise AdminError({"code": _("下级区划代码应以上级代码 %(code)s 开头", code=parent.code)})
    if jurisdiction_by_code(code) is not None:
        raise AdminError({"code": _("区划代码已存在")})
    child = Jurisdiction(
        code=code,
        name=name,
        level=str(LEVEL_ORDER[level_index]),
        parent=parent,
        path=parent.path + code + "/",
    )
    db.session.add(child)
    db.session.flush()
    return child


def add_site(admin: User, village: Jurisdiction, name: str, kind: str, address: str) -> Site:
    if not administers(admin, village):
        raise AdminError({"name": _("只能在本人管理的辖区内新增")})
    if village.level != Level.VILLAGE:
        raise AdminError({"name": _("安置点须设在村/社区一级")})
    site = Site(jurisdiction=village, name=name, kind=kind, address=address)
    db.session.add(site)
    db.session.flush()
    return site
