"""Import grants: an administrator lets a township or county office import ledgers for
its whole jurisdiction (`reach`). The office must hold a role at that very place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from transfers.auth.models import User
from transfers.extensions import db
from transfers.imports.models import ImportGrant
from transfers.jurisdictions.models import Jurisdiction
from workflows.i18n import gettext as _
from workflows.roles import Level


class GrantError(ValueError):
    """A grant that may not be given (nothing is changed)."""


def _place(code: str) -> Jurisdiction:
    j = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if j is None:
        raise GrantError(_("未知的行政区划代码“%(code)s”", code=code))
    return j


def grant_import(user: User, code: str, *, now: datetime) -> ImportGrant:
    j = _place(code)
    if j.level not in (Level.TOWNSHIP, Level.COUNTY):
        raise GrantError(_("导入授权只给乡镇（街道）或区县一级"))
    if not any(g.jurisdiction_id == j.id for g in user.grants):
        raise GrantError(
            _("%(user)s在%(place)s没有岗位，不能授权导入", user=user.display_name, place=j.name)
        )
    existing = db.session.scalar(
        select(ImportGrant).where(
            ImportGrant.user_id == user.id, ImportGrant.jurisdiction_id == j.id
        )
    )
    if existing is not None:
        return existing
    grant = ImportGrant(user_id=user.id, jurisdiction_id=j.id, granted_at=now)
    db.session.add(grant)
    db.session.flush()
    return grant


def revoke_import(user: User, code: str) -> None:
    j = _place(code)
    db.session.execute(
        delete(ImportGrant).where(
            ImportGrant.user_id == user.id, ImportGrant.jurisdiction_id == j.id
        )
    )
