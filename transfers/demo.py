"""The demo county: 河南省三门峡市渑池县, its townships, villages, sites, households,
users for every office, and cases in many states (some overdue).

Cases are moved through the real engine at past instants, so their timelines, due
dates and audit chains are exactly what real use would have produced.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import select

from transfers.auth.models import User
from transfers.auth.services import create_user
from transfers.cases.services import open_intake
from transfers.demo_procedures import demo_procedures
from transfers.engine import act
from transfers.engine.service import open_task
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.households.services import MemberInput, register_household
from transfers.jurisdictions.models import Jurisdiction, Site
from workflows.idcard import check_digit
from workflows.roles import Level, Role

if TYPE_CHECKING:
    from transfers.deadlines.sweep import SweepResult

DEMO_PASSWORD = "demo1234"

# (code, name, level, parent code)
DIVISIONS: list[tuple[str, str, Level, str | None]] = [
    ("41", "河南省", Level.PROVINCE, None),
    ("4112", "三门峡市", Level.CITY, "41"),
    ("411221", "渑池县", Level.COUNTY, "4112"),
    ("411203", "陕州区", Level.COUNTY, "4112"),
    # destination township and its communities
    ("411221100", "城关镇", Level.TOWNSHIP, "411221"),
    ("411221100201", "幸福社区", Level.VILLAGE, "411221100"),
    ("411221100202", "阳光社区", Level.VILLAGE, "411221100"),
    ("411221100203", "韶峰村", Level.VILLAGE, "411221100"),
    ("411221101", "英豪镇", Level.TOWNSHIP, "411221"),
    ("411221101201", "英豪新村", Level.VILLAGE, "411221101"),
    # origin townships in the mountains
    ("411221205", "段村乡", Level.TOWNSHIP, "411221"),
    ("411221205201", "段村村", Level.VILLAGE, "411221205"),
    ("411221205202", "石门村", Level.VILLAGE, "411221205"),
    ("411221205203", "东沟村", Level.VILLAGE, "411221205"),
    ("411221206", "坡头乡", Level.TOWNSHIP, "411221"),
    ("411221206201", "坡头村", Level.VILLAGE, "411221206"),
    ("411221206202", "西阳村", Level.VILLAGE, "411221206"),
    ("411221207", "南村乡", Level.TOWNSHIP, "411221"),
    ("411221207201", "南村村", Level.VILLAGE, "411221207"),
    ("411221207202", "山头村", Level.VILLAGE, "411221207"),
    # another county of the same city (cross-county moves)
    ("411203105", "宫前乡", Level.TOWNSHIP, "411203"),
    ("411203105201", "宫前村", Level.VILLAGE, "411203105"),
    ("411203105202", "瓦窑沟村", Level.VILLAGE, "411203105"),
    # another province (cross-province moves)
    ("14", "山西省", Level.PROVINCE, None),
    ("1408", "运城市", Level.CITY, "14"),
    ("140827", "垣曲县", Level.COUNTY, "1408"),
    ("140827203", "历山镇", Level.TOWNSHIP, "140827"),
    ("140827203201", "历山村", Level.VILLAGE, "140827203"),
]

SITES = [
    ("幸福社区集中安置点", "centralized", "411221100201", "渑池县城关镇幸福路88号幸福家园"),
    ("阳光社区集中安置点", "centralized", "411221100202", "渑池县城关镇阳光大道16号阳光小区"),
    ("英豪新村集中安置点", "centralized", "411221101201", "渑池县英豪镇新村路1号英豪新村"),
    ("韶峰村分散安置", "scattered", "411221100203", "渑池县城关镇韶峰村"),
]

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
    "于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷"
    "龙史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤"
)
GIVEN_M = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳建国志红海东峰文新春金"
GIVEN_F = "芳娜敏静丽艳娟霞燕玲桂英秀兰梅琳萍红洁婷雪倩颖慧晶莉琴云凤霞丹荣玉珍"


def _name(rng: random.Random, sex: str, surname: str | None = None) -> str:
    pool = GIVEN_M if sex == "M" else GIVEN_F
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return (surname or rng.choice(SURNAMES)) + given


class _IdFactory:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, rng: random.Random, area: str, birth: date, sex: str) -> str:
        while True:
            seq = rng.randrange(0, 100) * 10 + (
                rng.choice((1, 3, 5, 7, 9)) if sex == "M" else rng.choice((0, 2, 4, 6, 8))
            )
            first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
            number = first17 + check_digit(first17)
            if number not in self.used:
                self.used.add(number)
                return number


def _birth(rng: random.Random, min_age: int, max_age: int) -> date:
    age_days = rng.randint(min_age * 365 + 10, max_age * 365 - 10)
    return date(2026, 11, 1) - timedelta(days=age_days)


def _jurisdictions() -> dict[str, Jurisdiction]:
    by_code: dict[str, Jurisdiction] = {}
    for code, name, level, parent_code in DIVISIONS:
        parent = by_code.get(parent_code) if parent_code else None
        path = (parent.path if parent else "") + code + "/"
        j = Jurisdiction(code=code, name=name, level=str(level), parent=parent, path=path)
        db.session.add(j)
        by_code[code] = j
    db.session.flush()
    return by_code


USERS: list[tuple[str, str, Role, str]] = [
    ("admin", "系统管理员", Role.ADMIN, "41"),
    ("xingfu_staff", "幸福社区 刘敏", Role.VILLAGE_STAFF, "411221100201"),
    ("yangguang_staff", "阳光社区 赵静", Role.VILLAGE_STAFF, "411221100202"),
    ("shaofeng_staff", "韶峰村 孙伟", Role.VILLAGE_STAFF, "411221100203"),
    ("yinghao_staff", "英豪新村 马强", Role.VILLAGE_STAFF, "411221101201"),
    ("duancun_staff", "段村村 王磊", Role.VILLAGE_STAFF, "411221205201"),
    ("xingfu_collective", "幸福社区股份经济合作社", Role.COLLECTIVE_ORG, "411221100201"),
    ("duancun_party", "段村村党支部 陈书记", Role.ORIGIN_PARTY_ORG, "411221205201"),
    ("shimen_party", "石门村党支部 郭书记", Role.ORIGIN_PARTY_ORG, "411221205202"),
    ("xingfu_party", "幸福社区党支部 周书记", Role.ORIGIN_PARTY_ORG, "411221100201"),
    ("yangguang_party", "阳光社区党支部 吴书记", Role.ORIGIN_PARTY_ORG, "411221100202"),
    ("yangguang_collective", "阳光社区股份经济合作社", Role.COLLECTIVE_ORG, "411221100202"),
    ("yinghao_collective", "英豪新村股份经济合作社", Role.COLLECTIVE_ORG, "411221101201"),
    ("chengguan_police", "城关派出所 户籍民警 张华", Role.POLICE_STATION, "411221100"),
    ("yinghao_police", "英豪派出所 户籍民警 李军", Role.POLICE_STATION, "411221101"),
    ("chengguan_gov", "城关镇人民政府 民政所", Role.TOWNSHIP_GOVERNMENT, "411221100"),
    ("duancun_gov", "段村乡人民政府 民政所", Role.TOWNSHIP_GOVERNMENT, "411221205"),
    ("yinghao_gov", "英豪镇人民政府 民政所", Role.TOWNSHIP_GOVERNMENT, "411221101"),
    ("gongqian_gov", "宫前乡人民政府 民政所", Role.TOWNSHIP_GOVERNMENT, "411203105"),
    ("chengguan_party", "城关镇党委 组织委员", Role.TOWNSHIP_PARTY_COMMITTEE, "411221100"),
    ("duancun_partycommittee", "段村乡党委 组织委员", Role.TOWNSHIP_PARTY_COMMITTEE, "411221205"),
    ("mianchi_org", "渑池县委组织部", Role.COUNTY_ORG_DEPT, "411221"),
    ("mianchi_civil", "渑池县民政局", Role.CIVIL_AFFAIRS_BUREAU, "411221"),
    ("mianchi_si", "渑池县社会保险中心", Role.SOCIAL_INSURANCE_AGENCY, "411221"),
    ("mianchi_mi", "渑池县医疗保障中心", Role.MEDICAL_INSURANCE_AGENCY, "411221"),
    ("shanzhou_mi", "陕州区医疗保障中心", Role.MEDICAL_INSURANCE_AGENCY, "411203"),
    ("shanzhou_civil", "陕州区民政局", Role.CIVIL_AFFAIRS_BUREAU, "411203"),
    ("chengguan_lead", "城关镇 督查室", Role.TOWNSHIP_SUPERVISOR, "411221100"),
    ("duancun_lead", "段村乡 督查室", Role.TOWNSHIP_SUPERVISOR, "411221205"),
    ("mianchi_lead", "渑池县 督查室", Role.COUNTY_SUPERVISOR, "411221"),
]


def print_logins() -> None:
    click.echo(f"Demo logins (password: {DEMO_PASSWORD}):")
    for username, display, role, code in USERS:
        click.echo(f"  {username:<24} {role.label:<14} {display}（{code}）")


def load_demo(seed: int = 20261127, households: int = 230) -> dict[str, Any]:
    rng = random.Random(seed)
    js = _jurisdictions()
    sites = {}
    for name, kind, code, address in SITES:
        s = Site(name=name, kind=kind, jurisdiction=js[code], address=address)
        db.session.add(s)
        sites[code] = s
    users: dict[str, User] = {}
    for username, display, role, code in USERS:
        users[username] = create_user(username, display, DEMO_PASSWORD, [(role, js[code])])
    db.session.flush()

    staff_by_village = {
        "411221100201": users["xingfu_staff"],
        "411221100202": users["yangguang_staff"],
        "411221100203": users["shaofeng_staff"],
        "411221101201": users["yinghao_staff"],
    }
    origins = (
        ["411221205201", "411221205202", "411221205203", "411221206201", "411221206202"] * 4
        + ["411221207201", "411221207202"] * 2
        + ["411203105201", "411203105202"]
        + ["140827203201"]
    )
    origin_area = {"4112": "411221", "14": "140827"}
    ids = _IdFactory()
    base = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    all_households: list[Household] = []
    for _ in range(households):
        dest_code = rng.choices(list(staff_by_village), weights=(45, 30, 10, 15))[0]
        origin_code = rng.choice(origins)
        site = sites[dest_code]
        mode = site.kind
        surname = rng.choice(SURNAMES)
        head_sex = "M" if rng.random() < 0.85 else "F"
        area = origin_code[:6] if origin_code.startswith("41") else origin_area["14"]
        members: list[MemberInput] = []
        head_birth = _birth(rng, 30, 75)
        members.append(_member(rng, ids, area, "户主", head_sex, head_birth, surname))
        if rng.random() < 0.85:
            members.append(
                _member(
                    rng,
                    ids,
                    area,
                    "配偶",
                    "F" if head_sex == "M" else "M",
                    head_birth + timedelta(days=rng.randint(-1500, 1500)),
                    None,
                )
            )
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            child_sex = rng.choice("MF")
            child_birth = head_birth + timedelta(days=rng.randint(20 * 365, 35 * 365))
            if child_birth > date(2026, 1, 1):
                child_birth = date(2026, 1, 1) - timedelta(days=rng.randint(100, 3000))
            members.append(
                _member(
                    rng,
                    ids,
                    area,
                    "子" if child_sex == "M" else "女",
                    child_sex,
                    child_birth,
                    surname,
                )
            )
        if rng.random() < 0.3 and head_birth.year > 1960:
            members.append(
                _member(
                    rng,
                    ids,
                    area,
                    "母亲",
                    "F",
                    head_birth - timedelta(days=rng.randint(20 * 365, 30 * 365)),
                    None,
                )
            )
        moved_on = (base - timedelta(days=rng.randint(60, 700))).date()
        hh = register_household(
            origin=js[origin_code],
            destination=js[dest_code],
            site=site if mode == "centralized" else None,
            settlement_mode=mode,
            members=members,
            actor=staff_by_village[dest_code],
            now=base - timedelta(days=400),
            moved_on=moved_on,
            has_destination_housing=mode == "scattered" or rng.random() < 0.1,
            lives_at_destination=rng.random() < 0.93,
            has_destination_homestead=mode == "scattered" and rng.random() < 0.5,
            has_destination_contracted_land=rng.random() < 0.08,
            address=site.address
            if mode == "centralized"
            else f"{site.address}{rng.randint(1, 12)}组",
            phone=f"13{rng.randint(100000000, 999999999)}",
        )
        all_households.append(hh)
    db.session.flush()

    cases = _demo_cases(rng, all_households, staff_by_village, users, base)
    cases += demo_procedures(rng, all_households, staff_by_village, users, base)
    swept = _demo_deadlines(rng, staff_by_village, users, base)
    return {
        "jurisdictions": len(js),
        "sites": len(sites),
        "households": len(all_households),
        "persons": sum(len(h.members) for h in all_households),
        "cases": cases,
        "users": len(users),
        "escalations": sum(swept.escalations.values()),
        "problems": swept.problems,
    }


def _member(
    rng: random.Random,
    ids: _IdFactory,
    area: str,
    relation: str,
    sex: str,
    birth: date,
    surname: str | None,
) -> MemberInput:
    age = (date(2026, 11, 27) - birth).days // 365
    adult = age >= 18
    return MemberInput(
        name=_name(rng, sex, surname if relation in ("户主", "子", "女") else None),
        id_number=ids.make(rng, area, birth, sex),
        relation=relation,
        party_status=("full" if rng.random() < 0.08 else "none") if adult else "none",
        collective_member=adult and rng.random() < 0.8,
        pension_status=("receiving" if age >= 60 else "contributing") if adult else "none",
        medical_insurance=rng.choices(["resident", "employee", "none", "lapsed"], (88, 5, 4, 3))[0],
        assistance=rng.choices(["none", "dibao_rural", "tekun"], (80, 16, 4))[0]
        if adult
        else "none",
        registered_poor=rng.random() < 0.7,
    )


def _demo_cases(
    rng: random.Random,
    households: list[Household],
    staff_by_village: dict[str, User],
    users: dict[str, User],
    base: datetime,
) -> int:
    """Open hukou cases for most households at past dates and move them on."""
    police = {"411221100": users["chengguan_police"], "411221101": users["yinghao_police"]}
    count = 0
    for hh in households:
        if rng.random() < 0.2:
            continue
        staff = staff_by_village[hh.destination.code]
        opened = base - timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 6))
        intake = open_intake(
            household=hh,
            requests=[(p, "hukou") for p in hh.members],
            actor=staff,
            now=opened,
        )
        for case in intake.cases:
            count += 1
            roll = rng.random()
            if roll < 0.25:
                continue  # still at the window
            t1 = opened + timedelta(days=rng.randint(0, 6), hours=1)
            from transfers.engine.service import build_context
            from workflows.hukou import HukouOption, option_eligibility

            ctx = build_context(case, t1)
            allowed = [o for o, e in option_eligibility(ctx.facts).items() if e.allowed]
            if roll < 0.33:
                act(
                    case_id=case.id,
                    action="decline",
                    actor=staff,
                    seen_version=case.version,
                    data={"residence_permit": "y", "note": "本人自愿保留原籍户口，申领居住证"},
                    now=t1,
                )
                continue
            option = rng.choice(allowed)
            data: dict[str, Any] = {"option": option.value}
            if option is HukouOption.SITE_ADDRESS:
                data.update(
                    building=str(rng.randint(1, 12)),
                    unit=str(rng.randint(1, 4)),
                    door=f"{rng.randint(1, 18)}0{rng.randint(1, 4)}",
                )
            if option is HukouOption.VILLAGE_GROUP:
                data["group_name"] = f"第{rng.randint(1, 9)}村民小组"
            act(
                case_id=case.id,
                action="submit",
                actor=staff,
                seen_version=case.version,
                data=data,
                now=t1,
            )
            if roll < 0.65:
                continue  # waiting at the police station (some overdue)
            t2 = t1 + timedelta(days=rng.randint(1, 12), hours=2)
            if t2 > base:
                continue
            township = hh.destination.parent
            assert township is not None  # every demo village lies in a township
            officer = police[township.code]
            task = open_task(case)
            if roll < 0.70:
                act(
                    case_id=case.id,
                    action="return",
                    actor=officer,
                    seen_version=case.version,
                    data={"reason": "户口簿复印件不清晰，请补正"},
                    now=t2,
                )
                continue
            act(
                case_id=case.id,
                action="approve",
                actor=officer,
                seen_version=case.version,
                data={
                    "new_address": case.data.get("proposed_address", ""),
                    "registered_on": t2.date().isoformat(),
                },
                now=t2,
            )
            assert task is not None
    db.session.flush()
    return count


def _demo_deadlines(
    rng: random.Random, staff_by_village: dict[str, User], users: dict[str, User], base: datetime
) -> SweepResult:
    """One-time notices at the window (one answered, one waiting), then the sweep as of
    `base`: reminders, 催办 and 督办 with their ledger problems, one of them closed off."""
    from transfers.deadlines.suspension import receive_item, suspend
    from transfers.deadlines.sweep import sweep
    from transfers.supervision.ledgers import close_problem, plan_rectification
    from transfers.supervision.models import Problem
    from transfers.tasks.models import Task

    waiting = db.session.scalars(
        select(Task)
        .where(Task.closed_at.is_(None), Task.state == "application", Task.due_on >= base.date())
        .order_by(Task.id)
    ).all()
    items = ["户口簿原件及复印件", "安置房分配协议或入住证明", "居民身份证复印件"]
    for n, task in enumerate(waiting[:2]):
        staff = staff_by_village[task.jurisdiction.code]
        started = base - timedelta(days=3 - n, hours=2)
        s = suspend(task, actor=staff, reason="申请材料不齐全", now=started, missing_items=items)
        if n == 0:
            for day, item in enumerate(s.items, start=1):
                receive_item(item, actor=staff, now=started + timedelta(days=day))
    result = sweep(base)
    first = db.session.scalars(select(Problem).order_by(Problem.id)).first()
    if first is not None:
        lead = (
            users["chengguan_lead"]
            if first.jurisdiction_path.startswith("41/4112/411221/411221100/")
            else users["mianchi_lead"]
        )
        plan_rectification(
            first,
            actor=lead,
            measures="约谈承办人，限期办结",
            office=first.office or "承办单位",
            rectify_by=(base + timedelta(days=7)).date(),
        )
        close_problem(
            first,
            actor=lead,
            resolution="已督促承办单位办结，群众已确认",
            now=base + timedelta(minutes=30),
        )
    db.session.flush()
    return result


__all__ = ["DEMO_PASSWORD", "load_demo", "print_logins", "Person", "select"]
