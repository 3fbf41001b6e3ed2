"""The 搬迁户 export in the import's own layout: one row per person, under the headers
the ledger import reads (`transfers.imports.columns`), places by their full names.

With full ID numbers (a purpose given, logged by the `Disclosure`), the file imports
again with no change: every household is found registered whole, nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import select

from transfers.extensions import db
from transfers.households.models import (
    ASSISTANCE_STATUS,
    MEDICAL_STATUS,
    PARTY_STATUS,
    PENSION_STATUS,
    Household,
    Person,
)
from transfers.imports.columns import COLUMNS, HUKOU_STATUS
from transfers.jurisdictions.models import Site

#: The columns of the export: every column the import reads, but the yes/no 是否党员
#: (政治面貌 says more) — in the import's order.
EXPORT_KEYS = [c.key for c in COLUMNS if c.key != "party_member"]
HEADERS = [c.header for c in COLUMNS if c.key in EXPORT_KEYS]


def _yes(value: bool) -> str:
    return "是" if value else "否"


def _hukou(p: Person) -> tuple[str, str, str]:
    """户口迁移情况, 落户日期, 落户地址 as the import reads them back."""
    if p.facts.get("hukou_moved"):
        return (
            HUKOU_STATUS["moved"],
            p.facts.get("hukou_moved_on") or "",
            p.facts.get("hukou_address") or "",
        )
    if p.facts.get("hukou_kept"):
        return HUKOU_STATUS["kept"], "", ""
    return HUKOU_STATUS["not_moved"], "", ""


def person_row(
    h: Household,
    p: Person,
    *,
    places: Callable[[int], str],
    site: str,
    shown: tuple[Callable[[Person], str], Callable[[Person], str]],
) -> list[Any]:
    name, idno = shown
    hukou = _hukou(p)
    phone = p.facts.get("phone") or (h.phone if p.relation == "户主" else "")
    cells: dict[str, Any] = {
        "household_no": h.id,
        "name": name(p),
        "id_number": idno(p),
        "relation": p.relation,
        "sex": "男" if p.sex == "M" else "女",
        "birth_date": p.birth_date.isoformat(),
        "ethnicity": p.facts.get("ethnicity", ""),
        "origin_code": places(h.origin_jurisdiction_id),
        "destination_code": places(h.destination_jurisdiction_id),
        "settlement_mode": h.settlement_label,
        "site": site,
        "moved_on": h.moved_on.isoformat() if h.moved_on else "",
        "phone": phone,
        "address": h.address,
        "party_status": PARTY_STATUS.get(p.party_status, p.party_status),
        "collective_member": _yes(p.collective_member),
        "pension_status": PENSION_STATUS.get(p.pension_status, p.pension_status),
        "medical_insurance": MEDICAL_STATUS.get(p.medical_insurance, p.medical_insurance),
        "assistance": ASSISTANCE_STATUS.get(p.assistance, p.assistance),
        "registered_poor": _yes(p.registered_poor),
        "lives_at_destination": _yes(h.lives_at_destination),
        "has_destination_housing": _yes(h.has_destination_housing),
        "has_destination_homestead": _yes(h.has_destination_homestead),
        "has_destination_contracted_land": _yes(h.has_destination_contracted_land),
        "hukou_status": hukou[0],
        "hukou_moved_on": hukou[1],
        "hukou_address": hukou[2],
    }
    return [cells[k] for k in EXPORT_KEYS]


def household_rows(
    households: Iterator[Household],
    places: Callable[[int], str],
    shown: tuple[Callable[[Person], str], Callable[[Person], str]],
) -> Iterator[list[Any]]:
    """Each household's members, head first, one row each."""
    sites = dict(db.session.execute(select(Site.id, Site.name)).all())
    for h in households:
        site = sites.get(h.site_id, "") if h.site_id else ""
        members = sorted(h.members, key=lambda p: (p.relation != "户主", p.id))
        for p in members:
            yield person_row(h, p, places=places, site=site, shown=shown)
