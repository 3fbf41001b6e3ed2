"""Finding a jurisdiction as people write it: its code, its name (杜关村), or its name
after some of its ancestors' (杜关镇杜关村, 卢氏县杜关村, 河南省三门峡市卢氏县杜关镇杜关村),
within an area."""

from __future__ import annotations

from sqlalchemy import select

from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from transfers.visibility import within_paths
from workflows.i18n import gettext as _

MAX_NAME = 64


class PlaceNotFound(ValueError):
    """No jurisdiction, or several, for what was written (the message says which)."""


def _suffixes(text: str) -> list[str]:
    return [text[i:] for i in range(len(text)) if len(text) - i <= MAX_NAME]


def candidates(text: str, paths: list[str], limit: int = 20) -> list[Jurisdiction]:
    """Jurisdictions in the area that the text names, by code or by (ending) name."""
    text = "".join(text.split())
    if not text:
        return []
    area = within_paths(Jurisdiction.path, paths)
    if text.isdigit():
        return list(db.session.scalars(select(Jurisdiction).where(area, Jurisdiction.code == text)))
    named = db.session.scalars(
        select(Jurisdiction)
        .where(area, Jurisdiction.name.in_(_suffixes(text)))
        .order_by(Jurisdiction.path)
        .limit(200)
    )
    return [j for j in named if _names(j, text)][:limit]


def _names(j: Jurisdiction, text: str) -> bool:
    """The text is the jurisdiction's name, preceded by names of its ancestors in order,
    any of them left out: 杜关村, 杜关镇杜关村, 卢氏县杜关村, 河南省三门峡市卢氏县杜关镇杜关村."""
    if not text.endswith(j.name):
        return False
    rest = text[: len(text) - len(j.name)]
    node = j.parent
    while rest and node is not None:
        if rest.endswith(node.name):
            rest = rest[: len(rest) - len(node.name)]
        node = node.parent
    return not rest


def search(text: str, paths: list[str], limit: int = 20) -> list[Jurisdiction]:
    """For a picker: jurisdictions in the area whose name contains the text."""
    text = text.strip()
    if not text:
        return []
    area = within_paths(Jurisdiction.path, paths)
    return list(
        db.session.scalars(
            select(Jurisdiction)
            .where(area, Jurisdiction.name.contains(text, autoescape=True))
            .order_by(Jurisdiction.path)
            .limit(limit)
        )
    )


def resolve(text: str, paths: list[str]) -> Jurisdiction:
    """The one jurisdiction the text names in the area; refused, with the candidates,
    when there is none or more than one."""
    found = candidates(text, paths)
    if len(found) == 1:
        return found[0]
    if not found:
        raise PlaceNotFound(_("在本人管理的辖区内找不到“%(text)s”", text=text.strip()))
    names = _("、").join(j.full_name + _("（%(text)s）", text=j.code) for j in found[:6])
    raise PlaceNotFound(
        _("“%(text)s”对应多个区划：%(names)s，请写明上级或填写代码", text=text.strip(), names=names)
    )
