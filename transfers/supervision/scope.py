"""Which jurisdictions a supervisor looks at: the areas of their supervisor grants."""

from __future__ import annotations

from sqlalchemy import select

from transfers.auth.models import User
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from workflows.i18n import gettext as _
from workflows.roles import Role


def supervisor_paths(user: User) -> list[str]:
    """The paths of the user's supervisor grants (a subset of ``visibility.user_paths``)."""
    return [g.jurisdiction.path for g in user.grants if Role(g.role).is_supervisor]


def is_supervisor(user: User) -> bool:
    return bool(supervisor_paths(user))


def in_scope(path: str, paths: list[str]) -> bool:
    """The Python twin of ``visibility.within_paths`` for one path at hand."""
    return any(path.startswith(p) for p in paths)


def area(user: User, node: str = "") -> list[str]:
    """The paths looked at: the user's supervised areas, narrowed to `node`'s path.
    Paths are nested or disjoint, so the intersection of two prefix ranges is the
    longer path when one contains the other."""
    scope = supervisor_paths(user)
    if not node:
        return scope
    return sorted(
        {
            node if node.startswith(p) else p
            for p in scope
            if node.startswith(p) or p.startswith(node)
        }
    )


def office_name(place: str, role: Role) -> str:
    """An office as officials name it: the place, then the body (XX镇派出所)."""
    return _("%(place)s%(office)s", place=place, office=_(role.label))


def children(node: Jurisdiction) -> list[Jurisdiction]:
    """The child jurisdictions of `node` by code, read once per session (the board and
    the charts both group by them)."""
    known: dict[int, list[Jurisdiction]] = db.session.info.setdefault("jurisdiction_children", {})
    if node.id not in known:
        known[node.id] = list(
            db.session.scalars(
                select(Jurisdiction)
                .where(Jurisdiction.parent_id == node.id)
                .order_by(Jurisdiction.code)
            )
        )
    return known[node.id]
