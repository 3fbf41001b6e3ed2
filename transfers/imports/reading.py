"""Reading a village ledger row: the cells under their headers, normalized (dates,
yes/no, the labels of choices, GB 11643 ID numbers), each problem tied to a column.

The household-level rules (one head, registered ID numbers, places and sites) are the
ones of every registration door: see `checking` and `transfers.households.validation`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select

from transfers.extensions import db
from transfers.households.models import (
    ASSISTANCE_STATUS,
    MEDICAL_STATUS,
    PARTY_STATUS,
    PENSION_STATUS,
    RELATIONS,
    SETTLEMENT_MODES,
)
from transfers.households.validation import not_own_village
from transfers.imports.ledger import BY_KEY, HUKOU_STATUS
from transfers.jurisdictions.models import Jurisdiction, Site
from workflows.i18n import gettext as _
from workflows.idcard import InvalidIdNumber, parse_id_number
from workflows.roles import Level

HOUSEHOLD_FACTS = (
    "lives_at_destination",
    "has_destination_housing",
    "has_destination_homestead",
    "has_destination_contracted_land",
)
_YES = {"是", "y", "yes", "true", "1", "√", "有"}
_NO = {"否", "n", "no", "false", "0", "×", "无", ""}


def _label_map(labels: dict[str, str]) -> dict[str, str]:
    return {label: code for code, label in labels.items()} | {code: code for code in labels}


_ENUMS = {
    "settlement_mode": _label_map(SETTLEMENT_MODES) | {"集中": "centralized", "分散": "scattered"},
    "party_status": _label_map(PARTY_STATUS)
    | {"群众": "none", "中共党员": "full", "党员": "full", "中共预备党员": "probationary"},
    "pension_status": _label_map(PENSION_STATUS),
    "medical_insurance": _label_map(MEDICAL_STATUS),
    "assistance": _label_map(ASSISTANCE_STATUS) | {"低保": "dibao_rural"},
    "hukou_status": _label_map(HUKOU_STATUS) | {"已迁移": "moved", "保留原籍": "kept"},
}
_DEFAULTS = {
    "party_status": "none",
    "pension_status": "contributing",
    "medical_insurance": "resident",
    "assistance": "none",
    "hukou_status": "not_moved",
}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


class Problems:
    """Errors of one row, each tied to a column header."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, key: str, message: str) -> None:
        self.items.append(
            {"column": BY_KEY[key].header if key in BY_KEY else key, "message": message}
        )


def parse_date(text: str) -> date:
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    m = _DATE.match(text)
    if not m:
        raise ValueError(text)
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


class Lookups:
    """Jurisdictions and sites by code/name, cached for the batch."""

    def __init__(self, allowed_villages: set[int] | None):
        self.allowed = allowed_villages
        self.villages: dict[str, Jurisdiction | None] = {}
        self.sites: dict[tuple[int, str], int | None] = {}
        self.only_site: dict[int, int | None] = {}

    def village(self, code: str) -> Jurisdiction | None:
        if code not in self.villages:
            self.villages[code] = db.session.scalar(
                select(Jurisdiction).where(Jurisdiction.code == code)
            )
        return self.villages[code]

    def site(self, destination_id: int, name: str) -> int | None:
        key = (destination_id, name)
        if key not in self.sites:
            self.sites[key] = db.session.scalar(
                select(Site.id).where(Site.jurisdiction_id == destination_id, Site.name == name)
            )
        return self.sites[key]

    def single_site(self, destination_id: int) -> int | None:
        if destination_id not in self.only_site:
            ids = db.session.scalars(
                select(Site.id).where(
                    Site.jurisdiction_id == destination_id, Site.kind == "centralized"
                )
            ).all()
            self.only_site[destination_id] = ids[0] if len(ids) == 1 else None
        return self.only_site[destination_id]


def _yes_no(key: str, text: str, problems: Problems, default: bool) -> bool:
    low = text.lower()
    if text == "":
        return default
    if low in _YES:
        return True
    if low in _NO:
        return False
    problems.add(key, _("“%(column)s”应填写“是”或“否”", column=_(BY_KEY[key].header)))
    return default


def _enum(key: str, text: str, problems: Problems) -> str:
    if text == "":
        return _DEFAULTS.get(key, "")
    code = _ENUMS[key].get(text)
    if code is None:
        choices = "、".join(BY_KEY[key].choices)
        problems.add(
            key,
            _(
                "“%(value)s”不是有效的%(column)s，可选：%(choices)s",
                value=text,
                column=_(BY_KEY[key].header),
                choices=choices,
            ),
        )
        return _DEFAULTS.get(key, "")
    return code


def _person(cells: dict[str, str], numeric: set[str], p: Problems, v: dict[str, Any]) -> None:
    """Name, ID number (and the sex and birth date it carries), relation to the head."""
    v["name"] = cells.get("name", "").replace(" ", "")
    if not v["name"]:
        p.add("name", _("请填写姓名"))
    elif len(v["name"]) > 40:
        p.add("name", _("姓名不能超过40个字"))
    raw_id = cells.get("id_number", "")
    if "id_number" in numeric:  # the digits are not the ones typed: never accept them
        raw_id = ""
    try:
        parsed = parse_id_number(raw_id)
        v["id_number"] = parsed.number
        v["sex"], v["birth_date"] = parsed.sex, parsed.birth_date.isoformat()
        sex = cells.get("sex", "")
        if sex and {"男": "M", "女": "F"}.get(sex) != parsed.sex:
            p.add("sex", _("性别与身份证号码不符"))
    except InvalidIdNumber as e:
        v["id_number"] = None
        if "id_number" in numeric:
            p.add(
                "id_number",
                _(
                    "身份证号码保存为数字格式，Excel只保留15位有效数字，后几位已丢失："
                    "请将该列设为文本格式后重新录入"
                ),
            )
        else:
            p.add("id_number", str(e))
    relation = cells.get("relation", "")
    if relation == "本人":
        relation = "户主"
    if relation not in RELATIONS:
        p.add(
            "relation",
            _("“%(value)s”不是有效的与户主关系", value=relation)
            if relation
            else _("请填写与户主关系"),
        )
    v["relation"] = relation


def _places(cells: dict[str, str], lookups: Lookups, p: Problems, v: dict[str, Any]) -> None:
    """Both ends of the move (village-level codes), the settlement mode and the site."""
    for side in ("origin_code", "destination_code"):
        code = cells.get(side, "")
        j = lookups.village(code) if code else None
        if not code:
            p.add(side, _("请填写%(column)s", column=_(BY_KEY[side].header)))
        elif j is None:
            p.add(side, _("未知的行政区划代码“%(code)s”", code=code))
        elif j.level != Level.VILLAGE:
            p.add(
                side,
                _("行政区划代码“%(code)s”（%(name)s）不是村（社区）一级", code=code, name=j.name),
            )
            j = None
        v[side.replace("_code", "_id")] = j.id if j else None
    dest_id = v["destination_id"]
    if dest_id and lookups.allowed is not None and dest_id not in lookups.allowed:
        p.add("destination_code", not_own_village())
    mode = _enum("settlement_mode", cells.get("settlement_mode", ""), p)
    if not mode:
        p.add("settlement_mode", _("请填写安置方式（集中安置或分散安置）"))
    v["settlement_mode"] = mode
    site_name = cells.get("site", "")
    v["site_id"] = None
    if dest_id and site_name:
        v["site_id"] = lookups.site(dest_id, site_name)
        if v["site_id"] is None:
            p.add("site", _("迁入地没有名为“%(site)s”的安置点", site=site_name))
    elif dest_id and mode == "centralized":
        v["site_id"] = lookups.single_site(dest_id)
        if v["site_id"] is None:
            p.add("site", _("集中安置须填写安置点名称"))


def _statuses(cells: dict[str, str], p: Problems, v: dict[str, Any]) -> None:
    """Choices, yes/no facts, dates, the hukou as the ledger states it, contact."""
    for key in ("party_status", "pension_status", "medical_insurance", "assistance"):
        v[key] = _enum(key, cells.get(key, ""), p)
    v["collective_member"] = _yes_no(
        "collective_member", cells.get("collective_member", ""), p, False
    )
    v["registered_poor"] = _yes_no("registered_poor", cells.get("registered_poor", ""), p, False)
    for key in HOUSEHOLD_FACTS:
        v[key] = _yes_no(key, cells.get(key, ""), p, key == "lives_at_destination")
    for key in ("moved_on", "hukou_moved_on"):
        v[key] = None
        if cells.get(key):
            try:
                v[key] = parse_date(cells[key]).isoformat()
            except ValueError:
                p.add(
                    key,
                    _("“%(column)s”日期格式应为 2026-11-27", column=_(BY_KEY[key].header)),
                )
    v["hukou_status"] = _enum("hukou_status", cells.get("hukou_status", ""), p)
    if v["hukou_status"] == "moved" and not v["hukou_moved_on"]:
        p.add("hukou_moved_on", _("户口已迁入安置地时须填写落户日期"))
    v["hukou_address"] = cells.get("hukou_address", "")[:200]
    v["phone"] = cells.get("phone", "")[:20]
    v["address"] = cells.get("address", "")[:200]


def validate_row(
    cells: dict[str, str], numeric: set[str], lookups: Lookups
) -> tuple[dict[str, Any], Problems]:
    """Check one ledger row; returns its normalized values and its problems."""
    p = Problems()
    v: dict[str, Any] = {}
    _person(cells, numeric, p, v)
    _places(cells, lookups, p, v)
    _statuses(cells, p, v)
    return v, p
