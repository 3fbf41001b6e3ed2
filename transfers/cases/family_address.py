"""The door plate (楼栋号, 单元号, 门牌号) and villager group written in a household's
现住址, so that the family hukou form starts filled from the household's own record."""

from __future__ import annotations

import re
import unicodedata

_PART = r"([0-9A-Za-z]+)"
_BUILDING = re.compile(_PART + r"\s*(?:栋|幢|号楼)")
_UNIT = re.compile(_PART + r"\s*单元")
# The door follows the unit (or the building when there is no unit): 501, 501室, 501号.
_DOOR_AFTER_UNIT = re.compile(r"单元\s*" + _PART + r"\s*(?:室|号|户)?")
_DOOR_AFTER_BUILDING = re.compile(r"(?:栋|幢|号楼)\s*" + _PART + r"\s*(?:室|号|户)?\s*$")
_GROUP = re.compile(r"([0-9一二三四五六七八九十]+组)")


def door_plate(address: str) -> dict[str, str]:
    """{"building", "unit", "door", "group_name"} found in `address`, each "" when the
    address does not say it. Full-width digits count as digits.

    >>> door_plate("城关镇幸福路88号3栋2单元501室")
    {'building': '3', 'unit': '2', 'door': '501', 'group_name': ''}
    """
    text = unicodedata.normalize("NFKC", address or "")
    building = _BUILDING.search(text)
    unit = _UNIT.search(text)
    if unit is not None:
        door = _DOOR_AFTER_UNIT.search(text, unit.start())
    else:
        door = _DOOR_AFTER_BUILDING.search(text)
    group = _GROUP.search(text) if building is None else None
    return {
        "building": building.group(1) if building else "",
        "unit": unit.group(1) if unit else "",
        "door": door.group(1) if door else "",
        "group_name": group.group(1) if group else "",
    }


__all__ = ["door_plate"]
