"""Relocation scope, derived from origin and destination, never typed (docs/policy.md)."""

from __future__ import annotations

from functools import lru_cache

from workflows.labels import LabelledEnum
from workflows.roles import Level, ancestor_path


class Scope(LabelledEnum):
    SAME_COUNTY = "same_county", "县（区）内搬迁"
    CROSS_COUNTY_SAME_PROVINCE = "cross_county_same_province", "省（市）内跨县（区）搬迁"
    CROSS_PROVINCE = "cross_province", "跨省搬迁"


@lru_cache(maxsize=16384)
def relocation_scope(origin_path: str, destination_path: str) -> Scope:
    """Compare the county and province ancestors of the two jurisdictions.

    A province-level municipality's 市 is the province level here, so "市内跨区县" in the
    Chongqing guidance is CROSS_COUNTY_SAME_PROVINCE.
    """
    if ancestor_path(origin_path, Level.COUNTY) == ancestor_path(destination_path, Level.COUNTY):
        return Scope.SAME_COUNTY
    if ancestor_path(origin_path, Level.PROVINCE) == ancestor_path(
        destination_path, Level.PROVINCE
    ):
        return Scope.CROSS_COUNTY_SAME_PROVINCE
    return Scope.CROSS_PROVINCE
