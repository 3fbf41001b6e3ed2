"""Import grants: an administrator lets a township or county office import ledgers for
its whole jurisdiction (`reach`). The office must hold a role at that very place.

Every door (the admin page, `flask grant-import`) gives and takes grants through these
functions, and each change is logged here, alike for every door."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, select

from transfers.auth.models import User
from transfers.extensions import db
from transfers.imports.models import ImportGrant
from transfers.jurisdictions.models import Jurisdiction
from workflows.i18n import gettext as _
from workflows.roles import Level

log = logging.getLogger("transfers.imports")

#: The levels an import grant is given at.
GRANT_LEVELS = (Level.TOWNSHIP, Level.COUNTY)


class GrantError(ValueError):
    """A grant that may not be given (nothing is changed)."""


def _place(code: str) -> Jurisdiction:
    j = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if j is None:
        raise GrantError(_("未知的行政区划代码“%(code)s”", code=code))
    return j


def _by(by: User | None) -> str:
    return by.username if by is not None else "system"


def grant_import(user: User, code: str, *, now: datetime, by: User | None = None) -> ImportGrant:
    """Give `user` an import grant for the place `code` (`by`: the administrator, None
    for the command line). Giving a grant the user already holds changes nothing."""
    j = _place(code)
    if j.level not in GRANT_LEVELS:
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
    grant = ImportGrant(
        user_id=user.id,
        jurisdiction_id=j.id,
        granted_at=now,
        granted_by_id=by.id if by is not None else None,
    )
    db.session.add(grant)
    db.session.flush()
    log.info("granted: %s imports for %s (by %s)", user.username, code, _by(by))
    return grant


def revoke_import(user: User, code: str, *, by: User | None = None) -> None:
    j = _place(code)
    db.session.execute(
        delete(ImportGrant).where(
            ImportGrant.user_id == user.id, ImportGrant.jurisdiction_id == j.id
        )
    )
    log.info("revoked: %s imports for %s (by %s)", user.username, code, _by(by))
