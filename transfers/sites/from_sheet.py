"""安置点 from a sheet: 安置点名称, 所在村（社区）, 安置方式, 地址, one site a row.

`check_rows` finds every fault at its row; `create_sites` creates all the sites of a
sheet without faults in one transaction, or none. The admin page and the CLI share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, tuple_

from transfers.admin.sheets import SheetRow
from transfers.extensions import db
from transfers.jurisdictions.lookup import PlaceNotFound, resolve
from transfers.jurisdictions.models import Jurisdiction, Site
from workflows.i18n import gettext as _
from workflows.roles import Level

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("安置点名称", "安置点", "名称", "site"),
    "place": (
        "所在村（社区）",
        "所在村(社区)",
        "所在村",
        "所在社区",
        "村（社区）",
        "所在地",
        "village",
    ),
    "kind": ("安置方式", "类型", "安置类型", "kind"),
    "address": ("地址", "详细地址", "address"),
}
KINDS = {
    "集中安置": "centralized",
    "集中": "centralized",
    "centralized": "centralized",
    "分散安置": "scattered",
    "分散": "scattered",
    "scattered": "scattered",
}


@dataclass
class SiteRow:
    number: int
    name: str
    place_text: str
    kind_text: str
    address: str
    village: Jurisdiction | None = None
    kind: str | None = None
    errors: list[str] = field(default_factory=list)


def _check_row(row: SiteRow, paths: list[str], seen: dict[tuple[str, int], int]) -> None:
    if not row.name:
        row.errors.append(_("请填写安置点名称"))
    elif len(row.name) > 64:
        row.errors.append(_("安置点名称不能超过64个字"))
    try:
        row.village = resolve(row.place_text, paths) if row.place_text else None
    except PlaceNotFound as e:
        row.errors.append(str(e))
    if not row.place_text:
        row.errors.append(_("请填写所在村（社区）"))
    elif row.village is not None and row.village.level != Level.VILLAGE:
        row.errors.append(_("安置点须设在村/社区一级，“%(text)s”不是", text=row.place_text))
        row.village = None
    row.kind = KINDS.get(row.kind_text.replace(" ", ""))
    if row.kind is None:
        row.errors.append(_("安置方式应为“集中安置”或“分散安置”"))
    if not row.address:
        row.errors.append(_("请填写地址"))
    elif len(row.address) > 200:
        row.errors.append(_("地址不能超过200个字"))
    if row.village is not None and row.name:
        key = (row.name, row.village.id)
        if key in seen:
            row.errors.append(_("与第%(n)s行是同一安置点", n=seen[key]))
        else:
            seen[key] = row.number


def check_rows(sheet: list[SheetRow], paths: list[str] | None) -> list[SiteRow]:
    """Every row with its faults. `paths`: the administrator's area (None: everywhere)."""
    rows = [
        SiteRow(r.number, r.cells["name"], r.cells["place"], r.cells["kind"], r.cells["address"])
        for r in sheet
    ]
    seen: dict[tuple[str, int], int] = {}
    for row in rows:
        _check_row(row, paths if paths is not None else [""], seen)
    keys = list(seen)
    existing: set[tuple[str, int]] = set()
    if keys:
        found = db.session.execute(
            select(Site.name, Site.jurisdiction_id).where(
                tuple_(Site.name, Site.jurisdiction_id).in_(keys)
            )
        )
        existing = {(name, village_id) for name, village_id in found}
    for row in rows:
        if row.village is not None and (row.name, row.village.id) in existing:
            row.errors.append(
                _("%(village)s已有安置点“%(name)s”", village=row.village.name, name=row.name)
            )
    return rows


def create_sites(rows: list[SiteRow]) -> list[Site]:
    """Create the sites of checked rows without faults; rows with faults are refused."""
    if any(r.errors or r.village is None or r.kind is None for r in rows):
        raise ValueError("rows with faults are never created")
    sites = []
    for row in rows:
        assert row.village is not None and row.kind is not None  # checked above
        site = Site(jurisdiction=row.village, name=row.name, kind=row.kind, address=row.address)
        db.session.add(site)
        sites.append(site)
    db.session.flush()
    return sites
