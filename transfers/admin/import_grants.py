"""Import grants on the administrator's page: the grants within the administrator's
area, the offices that may get one, giving and taking back. The rules of a grant itself
(level, a role at that place) are `transfers.imports.grants`, shared with the CLI."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from transfers.admin.services import AdminError, admin_paths, administers
from transfers.auth.models import RoleGrant, User
from transfers.extensions import db
from transfers.imports.grants import GRANT_LEVELS, GrantError, grant_import, revoke_import
from transfers.imports.models import ImportGrant
from transfers.jurisdictions.models import Jurisdiction
from transfers.visibility import within_paths
from workflows.i18n import gettext as _
from workflows.roles import Role


def grants_within(admin: User) -> list[ImportGrant]:
    """Every import grant in the administrator's area, by place, oldest first."""
    return list(
        db.session.scalars(
            select(ImportGrant)
            .join(Jurisdiction, ImportGrant.jurisdiction_id == Jurisdiction.id)
            .where(within_paths(Jurisdiction.path, admin_paths(admin)))
            .options(selectinload(ImportGrant.user), selectinload(ImportGrant.granted_by))
            .order_by(Jurisdiction.path, ImportGrant.granted_at, ImportGrant.id)
        )
    )


# The most offices the form's list offers at once; past that the administrator narrows
# it by a place or user name (a province has thousands of township offices).
OFFERED = 200


def offices_to_grant(admin: User, q: str = "") -> tuple[list[RoleGrant], int]:
    """The offices' roles at a township or county in the administrator's area whose user
    has no import grant there yet, whose place or user matches `q` (a part of the place's
    name or code, the user's name or login): the first OFFERED of them, and how many
    there are in all."""
    granted = select(ImportGrant.id).where(
        ImportGrant.user_id == RoleGrant.user_id,
        ImportGrant.jurisdiction_id == RoleGrant.jurisdiction_id,
    )
    query = (
        select(RoleGrant)
        .join(Jurisdiction, RoleGrant.jurisdiction_id == Jurisdiction.id)
        .join(User, RoleGrant.user_id == User.id)
        .where(
            within_paths(Jurisdiction.path, admin_paths(admin)),
            Jurisdiction.level.in_([str(level) for level in GRANT_LEVELS]),
            RoleGrant.role != str(Role.ADMIN),
            ~granted.exists(),
        )
    )
    if q:
        query = query.where(
            or_(
                Jurisdiction.name.contains(q, autoescape=True),
                Jurisdiction.code.startswith(q, autoescape=True),
                User.display_name.contains(q, autoescape=True),
                User.username.contains(q, autoescape=True),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    offices = db.session.scalars(
        query.options(selectinload(RoleGrant.user), selectinload(RoleGrant.jurisdiction))
        .order_by(Jurisdiction.path, RoleGrant.role, RoleGrant.id)
        .limit(OFFERED)
    )
    return list(offices), total


def give(admin: User, role_grant_id: int | None, *, now: datetime) -> ImportGrant:
    """Give the user of one role grant an import grant for that role's place."""
    office = db.session.get(RoleGrant, role_grant_id) if role_grant_id else None
    if office is None:
        raise AdminError({"office": _("请选择要授权导入的用户")})
    if not administers(admin, office.jurisdiction):
        raise AdminError({"office": _("只能在本人管理的辖区内授权")})
    try:
        return grant_import(office.user, office.jurisdiction.code, now=now, by=admin)
    except GrantError as e:
        raise AdminError({"office": str(e)}) from None


def take_back(admin: User, import_grant_id: int) -> ImportGrant:
    """Revoke one import grant in the administrator's area (returned for the message)."""
    grant = db.session.get(ImportGrant, import_grant_id)
    if grant is None or not administers(admin, grant.jurisdiction):
        raise AdminError({"grant": _("找不到该导入授权或无权撤销")})
    revoke_import(grant.user, grant.jurisdiction.code, by=admin)
    return grant
