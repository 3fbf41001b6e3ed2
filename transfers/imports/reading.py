"""Reading a village ledger row: the cells under their headers, normalized (dates,
yes/no, the labels of choices, GB 11643 ID numbers), each problem tied to a column.

The household-level rules (one head, registered ID numbers, places and sites) are the
ones of every registration door: see `checking` and `transfers.households.validation`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from transfers.households.models import (
    ASSISTANCE_STATUS,
    MEDICAL_STATUS,
    PARTY_STATUS,
    PENSION_STATUS,
    RELATIONS,
    SETTLEMENT_MODES,
)
from transfers.imports.columns import BY_KEY, HUKOU_STATUS, VALUE_SYNONYMS
from transfers.imports.places import PlaceNames, SiteNames
from transfers.imports.reach import Reach
from workflows.i18n import gettext as _
from workflows.idcard import InvalidIdNumber, parse_id_number

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
    key: _label_map(labels) | VALUE_SYNONYMS.get(key, {})
    for key, labels in (
        ("settlement_mode", SETTLEMENT_MODES),
        ("party_status", PARTY_STATUS),
        ("pension_status", PENSION_STATUS),
        ("medical_insurance", MEDICAL_STATUS),
        ("assistance", ASSISTANCE_STATUS),
        ("hukou_status", HUKOU_STATUS),
    )
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
    """What a batch looks rows up in: place names, 安置点, the user's reach."""

    def __init__(self, reach: Reach, choices: dict[str, int] | None = None) -> None:
        self.reach = reach
        self.places = PlaceNames(reach, choices)
        self.sites = SiteNames()


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


def _id_number(cells: dict[str, str], numeric: set[str], p: Problems, v: dict[str, Any]) -> None:
    """The ID number, and the sex and birth date it carries checked against their columns."""
    raw_id = cells.get("id_number", "")
    if "id_number" in numeric:  # the digits are not the ones typed: never accept them
        raw_id = ""
    try:
        parsed = parse_id_number(raw_id)
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
        return
    v["id_number"] = parsed.number
    v["sex"], v["birth_date"] = parsed.sex, parsed.birth_date.isoformat()
    sex = cells.get("sex", "")
    if sex and {"男": "M", "女": "F"}.get(sex) != parsed.sex:
        p.add("sex", _("性别与身份证号码不符"))
    born = cells.get("birth_date", "")
    if born:
        try:
            written = parse_date(born)
        except ValueError:
            p.add("birth_date", _("“出生日期”日期格式应为 2026-11-27"))
            return
        if written != parsed.birth_date:
            p.add(
                "birth_date",
                _(
                    "出生日期%(written)s与身份证号码中的出生日期%(carried)s不符",
                    written=written.isoformat(),
                    carried=parsed.birth_date.isoformat(),
                ),
            )


def _person(cells: dict[str, str], numeric: set[str], p: Problems, v: dict[str, Any]) -> None:
    """Name, ID number, relation to the head, ethnicity and the person's own phone."""
    v["name"] = cells.get("name", "").replace(" ", "")
    if not v["name"]:
        p.add("name", _("请填写姓名"))
    elif len(v["name"]) > 40:
        p.add("name", _("姓名不能超过40个字"))
    _id_number(cells, numeric, p, v)
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
    v["ethnicity"] = cells.get("ethnicity", "")[:20]
    v["person_phone"] = cells.get("phone", "")[:20]


def _place(side: str, cells: dict[str, str], lookups: Lookups, p: Problems) -> Any:
    text = cells.get(side, "")
    if not text:
        p.add(side, _("请填写%(column)s", column=_(BY_KEY[side].header)))
        return None
    found = lookups.places.village(text)
    if found.village is None:
        p.add(side, found.message)
    return found.village


def _site(dest_id: int, mode: str, cells: dict[str, str], lookups: Lookups, p: Problems) -> Any:
    site_name = cells.get("site", "")
    if site_name:
        site_id = lookups.sites.site(dest_id, site_name)
        if site_id is None:
            p.add(
                "site",
                _(
                    "迁入地没有名为“%(site)s”的安置点（管理员可在预览中确认新建）",
                    site=site_name,
                ),
            )
        return site_id
    if mode == "centralized":
        site_id = lookups.sites.single_site(dest_id)
        if site_id is None:
            p.add("site", _("集中安置须填写安置点名称"))
        return site_id
    return None


def _places(cells: dict[str, str], lookups: Lookups, p: Problems, v: dict[str, Any]) -> None:
    """Both ends of the move (names or codes), the settlement mode and the site. A
    destination outside the user's reach marks the row `outside` (one summary)."""
    origin = _place("origin_code", cells, lookups, p)
    destination = _place("destination_code", cells, lookups, p)
    v["origin_id"] = origin.id if origin else None
    v["destination_id"] = destination.id if destination else None
    v["outside"] = destination is not None and not lookups.reach.covers(destination.path)
    mode = _enum("settlement_mode", cells.get("settlement_mode", ""), p)
    if not mode:
        p.add("settlement_mode", _("请填写安置方式（集中安置或分散安置）"))
    v["settlement_mode"] = mode
    v["site_id"] = None
    if destination is not None and not v["outside"]:
        v["site_id"] = _site(destination.id, mode, cells, lookups, p)


def _statuses(cells: dict[str, str], p: Problems, v: dict[str, Any]) -> None:
    """Choices, yes/no facts, dates, the hukou as the ledger states it, contact."""
    for key in ("party_status", "pension_status", "medical_insurance", "assistance"):
        v[key] = _enum(key, cells.get(key, ""), p)
    member = cells.get("party_member", "")
    if member and _yes_no("party_member", member, p, False) and v["party_status"] == "none":
        v["party_status"] = "full"  # 是否党员: 是 (a 政治面貌 column says which kind)
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
    v["phone"] = v["person_phone"]  # the household's phone: the head's row
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
