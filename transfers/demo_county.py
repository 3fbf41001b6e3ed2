"""The demo county's places, offices and people: 河南省三门峡市渑池县 with its townships,
villages and sites, a login for every office, and the generators of names, birth dates and
valid ID numbers the demo households are made of."""

from __future__ import annotations

import random
from datetime import date, timedelta

from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from workflows.idcard import check_digit
from workflows.roles import Level, Role

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


def random_name(rng: random.Random, sex: str, surname: str | None = None) -> str:
    pool = GIVEN_M if sex == "M" else GIVEN_F
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return (surname or rng.choice(SURNAMES)) + given


class IdFactory:
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


def random_birth(rng: random.Random, min_age: int, max_age: int) -> date:
    age_days = rng.randint(min_age * 365 + 10, max_age * 365 - 10)
    return date(2026, 11, 1) - timedelta(days=age_days)


# The offices' telephones printed on receipts (渑池县 and 陕州区: 0398; 垣曲县: 0359).
OFFICE_PHONES = {
    "411221": "0398-4812301",
    "411203": "0398-3862110",
    "411221100": "0398-4811025",
    "411221100201": "0398-4816618",
    "411221100202": "0398-4817726",
    "411221100203": "0398-4819031",
    "411221101": "0398-4921006",
    "411221101201": "0398-4923318",
    "411221205": "0398-4751012",
    "411221205201": "0398-4753206",
    "411221205202": "0398-4753418",
    "411221205203": "0398-4753527",
    "411221206": "0398-4711019",
    "411221206201": "0398-4713102",
    "411221206202": "0398-4713245",
    "411221207": "0398-4861015",
    "411221207201": "0398-4863120",
    "411221207202": "0398-4863236",
    "411203105": "0398-3571008",
    "411203105201": "0398-3573112",
    "411203105202": "0398-3573225",
    "140827203": "0359-6081017",
    "140827203201": "0359-6083126",
}


def create_jurisdictions() -> dict[str, Jurisdiction]:
    by_code: dict[str, Jurisdiction] = {}
    for code, name, level, parent_code in DIVISIONS:
        parent = by_code.get(parent_code) if parent_code else None
        path = (parent.path if parent else "") + code + "/"
        j = Jurisdiction(code=code, name=name, level=str(level), parent=parent, path=path)
        j.phone = OFFICE_PHONES.get(code, "")
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
