"""Who imports ledgers, and for which places (the rule of every import door).

- village (community) staff: for their own villages;
- a township or county office holding an import grant (`ImportGrant`): for its whole
  jurisdiction;
- administrators: within the areas of their grants;
- the system (the command line, no user): everywhere.

A ledger row whose destination (迁入地) lies outside the reach is not imported; the
preview says so once, with the count, instead of one error per row. Place names are
looked up within the counties of the user's grants (a village clerk's ledger names the
villages of its county).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from transfers.auth.models import User
from transfers.extensions import db
from transfers.imports.models import ImportGrant
from workflows.i18n import gettext as _
from workflows.roles import Level, Role

COUNTY_DEPTH = Level.COUNTY.depth


@dataclass(frozen=True)
class Reach:
    """Jurisdiction paths a user imports for (`None`: everywhere), and the paths
    within which their ledgers' place names are looked up."""

    paths: tuple[str, ...] | None
    name_scope: tuple[str, ...] | None

    def covers(self, path: str) -> bool:
        return self.paths is None or any(path.startswith(p) for p in self.paths)


EVERYWHERE = Reach(None, None)


def _county(path: str) -> str:
    """The county a path lies in (the path itself above county level)."""
    parts = path.rstrip("/").split("/")
    return "/".join(parts[:COUNTY_DEPTH]) + "/"


def import_grants(user: User) -> list[ImportGrant]:
    return list(db.session.scalars(select(ImportGrant).where(ImportGrant.user_id == user.id)))


def reach_of(user: User | None) -> Reach:
    """The reach of a user (`None`: the system)."""
    if user is None:
        return EVERYWHERE
    paths = [g.jurisdiction.path for g in user.grants if g.role in (Role.VILLAGE_STAFF, Role.ADMIN)]
    paths += [g.jurisdiction.path for g in import_grants(user)]
    scope = {_county(p) if p.count("/") > COUNTY_DEPTH else p for p in paths}
    return Reach(tuple(sorted(set(paths))), tuple(sorted(scope)))


def can_import(user: User) -> bool:
    """Whether the user may import ledgers at all."""
    if not user.is_authenticated:
        return False
    if user.has_role(Role.VILLAGE_STAFF) or user.has_role(Role.ADMIN):
        return True
    return bool(import_grants(user))


def outside_message(count: int) -> str:
    return _(
        "%(n)s行的迁入地不在您可导入的范围内（村/社区工作人员只导入本村/社区；乡镇、区县须有导入授权），"
        "这些行未导入，也未逐行校验",
        n=count,
    )
