"""What a resettlement site's residents imply for its organization (docs/policy.md, "Sites").

Pure functions over counts; the sites page shows their results with the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflows.i18n import N_
from workflows.i18n import gettext as _
from workflows.labels import LabelledEnum


class PartyOrganization(LabelledEnum):
    NONE = "none", "不单独设立党组织"
    GROUP = "group", "党小组"  # under the village's organization
    BRANCH = "branch", "党支部（设书记1名，必要时设副书记1名）"
    BRANCH_COMMITTEE = "branch_committee", "党支部（设立支部委员会）"


@dataclass(frozen=True)
class Finding:
    value: str
    reason: str


def party_organization(full_members: int, single_village: bool, rural: bool) -> Finding:
    """Sanmenxia measures (七)(九): < 3 full members none; ≥ 3: a party group when all come from the
    one village whose organization hosts the site, otherwise a branch; a branch with ≥ 7
    sets up a branch committee."""
    if full_members < 3:
        return Finding(
            PartyOrganization.NONE.value,
            _(
                "正式党员%(n)s人，不足3人：党员继续在原村党组织参加组织生活或就近纳入临近村党支部",
                n=full_members,
            ),
        )
    if single_village and rural:
        return Finding(
            PartyOrganization.GROUP.value,
            _(
                "正式党员%(n)s人（3人以上），属本村安置：由本村党组织单独成立党小组",
                n=full_members,
            ),
        )
    where = _("多村安置") if rural else _("靠乡镇或城区安置")
    if full_members >= 7:
        text = _(
            "正式党员%(n)s人，%(where)s：单独成立党支部；7人以上应设立支部委员会",
            n=full_members,
            where=where,
        )
        return Finding(PartyOrganization.BRANCH_COMMITTEE.value, text)
    text = _(
        "正式党员%(n)s人，%(where)s：单独成立党支部；不足7人设书记1名，必要时设副书记1名",
        n=full_members,
        where=where,
    )
    return Finding(PartyOrganization.BRANCH.value, text)


def self_governance(residents: int, rural: bool) -> Finding:
    """Chongqing guidance 二(一): own village (rural ≥ 1000) or community (urban ≥ 2000); otherwise
    villager groups of 100–200 (rural ≥ 100) or resident groups of 200–400 (urban ≥ 200);
    smaller sites join the destination's existing groups."""
    if rural and residents >= 1000:
        return Finding(
            "village", _("农村集中安置点安置%(n)s人（1000人以上）：可单独设立村", n=residents)
        )
    if not rural and residents >= 2000:
        return Finding(
            "community", _("城镇集中安置点安置%(n)s人（2000人以上）：可单独设立社区", n=residents)
        )
    # Groups of `size` to twice `size` people, counted for the smallest and largest size.
    size, groups = (
        (100, N_("安置%(n)s人：可按100－200人规模设立村民小组（约%(low)s至%(high)s个）"))
        if rural
        else (200, N_("安置%(n)s人：可按200－400人规模设立居民小组（约%(low)s至%(high)s个）"))
    )
    if residents >= size:
        low, high = -(-residents // (2 * size)), residents // size
        return Finding("groups", _(groups, n=residents, low=low, high=high))
    if rural:
        return Finding("join", _("安置%(n)s人：纳入迁入地村民小组管理", n=residents))
    return Finding("join", _("安置%(n)s人：纳入迁入地居民小组管理", n=residents))


def staffing(residents: int) -> Finding:
    """Sanmenxia measures (二): < 100 residents 2; 100–300: 3; 300–800: 4–5; ≥ 800 a committee."""
    if residents < 100:
        return Finding("2", _("100人以下：配备2名专职管理人员"))
    if residents < 300:
        return Finding("3", _("100－300人：配备3名专职管理人员"))
    if residents < 800:
        return Finding("4-5", _("300－800人：配备4－5名专职管理人员"))
    return Finding("committee", _("800人以上：可根据需要单独设立社区居委会"))


def service_station_required(residents: int) -> bool:
    """Chongqing guidance 二(二): a centralized site of ≥ 800 residents needs a service station."""
    return residents >= 800


def facility_area(households: int) -> int:
    """At least 30 m² of community service facilities per 100 households, in whole m²."""
    return (30 * households + 99) // 100


@dataclass(frozen=True)
class SiteProfile:
    residents: int
    households: int
    full_members: int
    party: Finding
    governance: Finding
    staff: Finding
    service_station: bool
    area_m2: int


def profile(
    residents: int, households: int, full_members: int, single_village: bool, rural: bool
) -> SiteProfile:
    return SiteProfile(
        residents=residents,
        households=households,
        full_members=full_members,
        party=party_organization(full_members, single_village, rural),
        governance=self_governance(residents, rural),
        staff=staffing(residents),
        service_station=service_station_required(residents),
        area_m2=facility_area(households),
    )
