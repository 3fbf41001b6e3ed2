"""Enabling a county: its townships and villages become jurisdictions with their official
names and codes. Places that already exist are kept as they are, so enabling twice
changes nothing. The CLI and the administrator's page both call `enable_county`."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from transfers.extensions import db
from transfers.jurisdictions import divisions
from transfers.jurisdictions.divisions import Division
from transfers.jurisdictions.models import Jurisdiction
from workflows.i18n import gettext as _
from workflows.roles import Level


class EnableRefused(ValueError):
    """A county that cannot be enabled, with the reason in Chinese."""


@dataclass(frozen=True)
class Township:
    division: Division
    villages: list[Division]


@dataclass
class CountyPlan:
    """What enabling a county would create (the preview) and what already exists."""

    county: Division
    ancestors: list[Division]
    places: list[Division]
    existing: set[str] = field(default_factory=set)

    @property
    def full_name(self) -> str:
        return divisions.full_name(self.county)

    @property
    def all_divisions(self) -> list[Division]:
        return [*self.ancestors, self.county, *self.places]

    @property
    def townships(self) -> list[Township]:
        result: list[Township] = []
        for d in self.places:
            if d.level is Level.TOWNSHIP:
                result.append(Township(d, []))
            elif result:
                result[-1].villages.append(d)
        return result

    @property
    def village_count(self) -> int:
        return sum(1 for d in self.places if d.level is Level.VILLAGE)

    @property
    def new_count(self) -> int:
        return sum(1 for d in self.all_divisions if d.code not in self.existing)


def find_county(query: str) -> Division:
    """The one county a code or a name means; refused with the candidates otherwise."""
    found = divisions.find_counties(query)
    exact = [d for d in found if query.strip() in (d.code, d.name, divisions.full_name(d))]
    if len(exact) == 1:
        return exact[0]
    if len(found) == 1:
        return found[0]
    if not found:
        raise EnableRefused(_("找不到区县“%(q)s”，请输入区县名称或6位区划代码", q=query))
    names = _("、").join(divisions.full_name(d) + _("（%(text)s）", text=d.code) for d in found[:8])
    raise EnableRefused(_("“%(q)s”对应多个区县：%(names)s，请写全称或代码", q=query, names=names))


def plan_county(query: str) -> CountyPlan:
    county = find_county(query)
    ancestors = divisions.chain(county)[:-1]
    plan = CountyPlan(county, ancestors, divisions.county_places(county.code))
    codes = [d.code for d in plan.all_divisions]
    plan.existing = set(
        db.session.scalars(select(Jurisdiction.code).where(Jurisdiction.code.in_(codes)))
    )
    return plan


def may_enable(admin_paths: list[str], county: Division) -> bool:
    """An administrator enables counties within the area they administer."""
    return any(county.path.startswith(p) for p in admin_paths)


def enable_county(query: str, admin_paths: list[str] | None = None) -> tuple[CountyPlan, int]:
    """Create the county's missing places (and its province and city if missing); return
    the plan and how many jurisdictions were created. `admin_paths` None: the operator's
    command line, with no area limit."""
    plan = plan_county(query)
    if admin_paths is not None and not may_enable(admin_paths, plan.county):
        raise EnableRefused(_("只能启用本人管理辖区内的区县"))
    by_code = {
        j.code: j
        for j in db.session.scalars(
            select(Jurisdiction).where(Jurisdiction.code.in_(plan.existing))
        )
    }
    created = 0
    for d in plan.all_divisions:
        if d.code in by_code:
            continue
        parent = by_code.get(d.parent_code) if d.parent_code else None
        j = Jurisdiction(code=d.code, name=d.name, level=str(d.level), parent=parent, path=d.path)
        db.session.add(j)
        by_code[d.code] = j
        created += 1
    db.session.flush()
    return plan, created
