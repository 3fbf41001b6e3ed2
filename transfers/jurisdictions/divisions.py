"""The official division codes (统计用区划代码, 2023), as shipped in `data/`.

Provinces, cities and counties are one small table (`data/counties.tsv`, read once);
the townships and villages of each province are one compressed file
(`data/places/<province code>.tsv.xz`), read only when a county of it is enabled.
Codes give the tree: 2 digits a province, 4 a city, 6 a county, 9 a township, 12 a
village or community. The data's origin and licence are in docs/onboarding.md.
"""

from __future__ import annotations

import lzma
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from workflows.roles import Level

DATA = Path(__file__).parent / "data"
CODE_LEVELS = {
    2: Level.PROVINCE,
    4: Level.CITY,
    6: Level.COUNTY,
    9: Level.TOWNSHIP,
    12: Level.VILLAGE,
}
PARENT_LENGTH = {4: 2, 6: 4, 9: 6, 12: 9}

# Village committees are named for the committee (南新村村民委员会); offices and ledgers
# say the place (南新村). Longest suffix first.
_COMMITTEE_SUFFIXES = (
    ("社区居民委员会", "社区"),
    ("社区居委会", "社区"),
    ("村村民委员会", "村"),
    ("村民委员会", "村"),
    ("村村委会", "村"),
    ("村委会", "村"),
    ("居民委员会", "社区"),
    ("居委会", "社区"),
)


def place_name(official: str) -> str:
    """The name a place goes by: 杜关村村委会 -> 杜关村, 秋实社区居委会 -> 秋实社区,
    兴贤里街道办事处 -> 兴贤里街道."""
    for suffix, kind in _COMMITTEE_SUFFIXES:
        if official.endswith(suffix) and len(official) > len(suffix):
            return official[: -len(suffix)] + kind
    if official.endswith("街道办事处"):
        return official[: -len("办事处")]
    return official


@dataclass(frozen=True)
class Division:
    code: str
    name: str

    @property
    def level(self) -> Level:
        return CODE_LEVELS[len(self.code)]

    @property
    def parent_code(self) -> str | None:
        parent = PARENT_LENGTH.get(len(self.code))
        return self.code[:parent] if parent else None

    @property
    def path(self) -> str:
        """The materialized path the Jurisdiction of this code has (41/4112/411224/)."""
        codes = [self.code]
        while (parent := PARENT_LENGTH.get(len(codes[0]))) is not None:
            codes.insert(0, codes[0][:parent])
        return "".join(c + "/" for c in codes)


@cache
def _upper() -> dict[str, Division]:
    """Provinces, cities and counties by code."""
    divisions: dict[str, Division] = {}
    for line in (DATA / "counties.tsv").read_text(encoding="utf-8").splitlines():
        code, name = line.split("\t")
        divisions[code] = Division(code, name)
    return divisions


def division(code: str) -> Division | None:
    """A province, city or county by its code."""
    return _upper().get(code.strip())


def children(code: str | None) -> list[Division]:
    """The provinces (code None), a province's cities or a city's counties."""
    if code is None:
        return [d for d in _upper().values() if d.level is Level.PROVINCE]
    return [d for d in _upper().values() if d.parent_code == code]


def chain(d: Division) -> list[Division]:
    """The division and its ancestors, province first."""
    found = [d]
    while (parent := found[0].parent_code) is not None:
        found.insert(0, _upper()[parent])
    return found


def full_name(d: Division) -> str:
    """河南省三门峡市卢氏县 (a city named 市辖区 or 省直辖县级行政区划 is left out)."""
    parts = [x.name for x in chain(d)]
    return "".join(p for p in parts if p not in ("市辖区", "县", "省直辖县级行政区划"))


def find_counties(query: str, limit: int = 20) -> list[Division]:
    """Counties whose code starts with, or whose full name contains, the query
    (卢氏县, 三门峡市卢氏县, 河南省三门峡市卢氏县 or 411224)."""
    q = "".join(query.split())
    if not q:
        return []
    counties = [d for d in _upper().values() if d.level is Level.COUNTY]
    if q.isdigit():
        return [d for d in counties if d.code.startswith(q[:6])][:limit]
    return [d for d in counties if q in full_name(d)][:limit]


def county_places(county_code: str) -> list[Division]:
    """The county's townships and villages, in code order (township before its villages)."""
    path = DATA / "places" / f"{county_code[:2]}.tsv.xz"
    if len(county_code) != 6 or not path.exists():
        return []
    found = []
    with lzma.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith(county_code):
                code, official = line.rstrip("\n").split("\t")
                found.append(Division(code, place_name(official)))
            elif found:
                break  # the file is sorted by code: the county's block is over
    return found
