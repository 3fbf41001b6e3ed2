"""Offices that act on tasks (docs/policy.md, "People, places and offices"), each at its level."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache


class Level(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"

    @property
    def depth(self) -> int:
        """Number of path segments of a jurisdiction at this level (province = 1)."""
        return LEVEL_ORDER.index(self) + 1

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self]


LEVEL_ORDER = [Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]
LEVEL_LABELS = {
    Level.PROVINCE: "省",
    Level.CITY: "市",
    Level.COUNTY: "区县",
    Level.TOWNSHIP: "乡镇/街道",
    Level.VILLAGE: "村/社区",
}


class Role(StrEnum):
    VILLAGE_STAFF = "village_staff"
    COLLECTIVE_ORG = "collective_org"
    ORIGIN_PARTY_ORG = "origin_party_org"
    TOWNSHIP_PARTY_COMMITTEE = "township_party_committee"
    COUNTY_ORG_DEPT = "county_org_dept"
    POLICE_STATION = "police_station"
    TOWNSHIP_GOVERNMENT = "township_government"
    CIVIL_AFFAIRS_BUREAU = "civil_affairs_bureau"
    SOCIAL_INSURANCE_AGENCY = "social_insurance_agency"
    MEDICAL_INSURANCE_AGENCY = "medical_insurance_agency"
    TOWNSHIP_SUPERVISOR = "township_supervisor"
    COUNTY_SUPERVISOR = "county_supervisor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def level(self) -> Level:
        return ROLE_LEVELS[self]

    @property
    def is_supervisor(self) -> bool:
        return self in (Role.TOWNSHIP_SUPERVISOR, Role.COUNTY_SUPERVISOR)


ROLE_LABELS = {
    Role.VILLAGE_STAFF: "村/社区工作人员",
    Role.COLLECTIVE_ORG: "集体经济组织",
    Role.ORIGIN_PARTY_ORG: "村党组织",
    Role.TOWNSHIP_PARTY_COMMITTEE: "乡镇党委",
    Role.COUNTY_ORG_DEPT: "区县委组织部",
    Role.POLICE_STATION: "派出所",
    Role.TOWNSHIP_GOVERNMENT: "乡镇人民政府/街道办事处",
    Role.CIVIL_AFFAIRS_BUREAU: "区县民政局",
    Role.SOCIAL_INSURANCE_AGENCY: "社保经办机构",
    Role.MEDICAL_INSURANCE_AGENCY: "医保经办机构",
    Role.TOWNSHIP_SUPERVISOR: "乡镇督查",
    Role.COUNTY_SUPERVISOR: "区县督查",
    Role.ADMIN: "系统管理员",
}

ROLE_LEVELS = {
    Role.VILLAGE_STAFF: Level.VILLAGE,
    Role.COLLECTIVE_ORG: Level.VILLAGE,
    Role.ORIGIN_PARTY_ORG: Level.VILLAGE,
    Role.TOWNSHIP_PARTY_COMMITTEE: Level.TOWNSHIP,
    Role.COUNTY_ORG_DEPT: Level.COUNTY,
    Role.POLICE_STATION: Level.TOWNSHIP,
    Role.TOWNSHIP_GOVERNMENT: Level.TOWNSHIP,
    Role.CIVIL_AFFAIRS_BUREAU: Level.COUNTY,
    Role.SOCIAL_INSURANCE_AGENCY: Level.COUNTY,
    Role.MEDICAL_INSURANCE_AGENCY: Level.COUNTY,
    Role.TOWNSHIP_SUPERVISOR: Level.TOWNSHIP,
    Role.COUNTY_SUPERVISOR: Level.COUNTY,
    Role.ADMIN: Level.PROVINCE,
}


@lru_cache(maxsize=16384)
def ancestor_path(path: str, level: Level) -> str:
    """The materialized path of the ancestor of `path` at `level` (path itself if equal).

    >>> ancestor_path("41/4112/411221/411221100/411221100201/", Level.TOWNSHIP)
    '41/4112/411221/411221100/'
    """
    parts = [p for p in path.split("/") if p]
    if len(parts) < level.depth:
        raise ValueError(f"{path!r} is above level {level}")
    return "/".join(parts[: level.depth]) + "/"


def code_of_path(path: str) -> str:
    return [p for p in path.split("/") if p][-1]
