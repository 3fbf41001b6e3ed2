"""The province's jurisdiction tree, its resettlement sites and the benchmark users."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from werkzeug.security import generate_password_hash

from bench.bulk import BulkWriter, chunks
from transfers.auth.models import RoleGrant, User
from transfers.jurisdictions.models import Jurisdiction, Site
from workflows.roles import Level, Role

BENCH_PASSWORD = "bench1234"


@dataclass
class Tree:
    """Ids and paths by division code, codes by level, and the site of each township."""

    ids: dict[str, int] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    by_level: dict[Level, list[str]] = field(default_factory=lambda: {lvl: [] for lvl in Level})
    site_of_township: dict[str, int] = field(default_factory=dict)


def _divisions(
    province: tuple[str, str],
    cities: int,
    counties_per_city: int,
    townships_per_county: int,
    villages: int,
) -> Iterator[tuple[str, str, Level, str | None]]:
    """Yield (code, name, level, parent_code) top-down."""
    yield province[0], province[1], Level.PROVINCE, None
    for c in range(1, cities + 1):
        city = f"{province[0]}{c:02d}"
        yield city, f"第{c}市", Level.CITY, province[0]
        for k in range(1, counties_per_city + 1):
            county = f"{city}{20 + k:02d}"
            yield county, f"第{c}市第{k}县", Level.COUNTY, city
            for t in range(1, townships_per_county + 1):
                township = f"{county}{100 + t:03d}"
                yield township, f"第{k}县第{t}镇", Level.TOWNSHIP, county
                for v in range(1, villages + 1):
                    yield f"{township}{200 + v:03d}", f"第{t}镇第{v}村", Level.VILLAGE, township


def write_tree(
    writer: BulkWriter,
    province: tuple[str, str],
    counties: int,
    progress: Callable[[str], None],
) -> Tree:
    """Write ~`counties` counties of 10 townships of 5 villages under `province`."""
    cities = max(1, min(10, counties // 10 or 1))
    counties_per_city = max(1, counties // cities)
    tree = Tree()
    ids, paths, by_level = tree.ids, tree.paths, tree.by_level
    next_id = 1
    rows = []
    for code, name, level, parent in _divisions(province, cities, counties_per_city, 10, 5):
        ids[code] = next_id
        paths[code] = (paths[parent] if parent else "") + code + "/"
        by_level[level].append(code)
        rows.append(
            {
                "id": next_id,
                "code": code,
                "name": name,
                "level": str(level),
                "parent_id": ids[parent] if parent else None,
                "path": paths[code],
            }
        )
        next_id += 1
    for batch in chunks(iter(rows)):
        writer.write(Jurisdiction.__table__, batch)
    progress(f"{len(rows)} jurisdictions")
    return tree


def write_sites(writer: BulkWriter, tree: Tree) -> None:
    """A centralized site in the first village of every township."""
    site_rows = []
    for i, township in enumerate(tree.by_level[Level.TOWNSHIP], 1):
        village = f"{township}201"
        site_rows.append(
            {
                "id": i,
                "jurisdiction_id": tree.ids[village],
                "name": f"{township}安置点",
                "kind": "centralized",
                "address": f"安置路{i}号",
            }
        )
        tree.site_of_township[township] = i
    writer.write(Site.__table__, site_rows)


def write_users(writer: BulkWriter, tree: Tree, province_code: str, now: datetime) -> None:
    """Every office of the first county, plus supervisors up the tree."""
    user_rows, grant_rows = [], []
    pw = generate_password_hash(BENCH_PASSWORD)
    first_county = tree.by_level[Level.COUNTY][0]
    first_township = f"{first_county}101"
    offices = [
        ("bench_staff", Role.VILLAGE_STAFF, f"{first_township}201"),
        ("bench_police", Role.POLICE_STATION, first_township),
        ("bench_township_gov", Role.TOWNSHIP_GOVERNMENT, first_township),
        ("bench_township_lead", Role.TOWNSHIP_SUPERVISOR, first_township),
        ("bench_county_lead", Role.COUNTY_SUPERVISOR, first_county),
        ("bench_civil", Role.CIVIL_AFFAIRS_BUREAU, first_county),
        ("bench_province_lead", Role.COUNTY_SUPERVISOR, province_code),
        ("bench_admin", Role.ADMIN, province_code),
    ]
    for uid, (username, role, code) in enumerate(offices, 1):
        user_rows.append(
            {
                "id": uid,
                "username": username,
                "display_name": username,
                "password_hash": pw,
                "active": True,
                "session_token": "",
                "created_at": now,
            }
        )
        grant_rows.append({"user_id": uid, "role": str(role), "jurisdiction_id": tree.ids[code]})
    writer.write(User.__table__, user_rows)
    writer.write(RoleGrant.__table__, grant_rows)
