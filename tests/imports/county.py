"""A county outside the demo, as a new county starts: 卢氏县 (411224) with two villages
both named 南新村 (in 官坡镇 and 汤河乡), a destination community with its 安置点, a
second community, and ledgers written as offices keep them (names, not codes)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openpyxl import Workbook

from tests.conftest import make_id
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction, Site
from workflows.roles import Level

AREA = "411224"
PLACES = [
    ("411224", "卢氏县", Level.COUNTY, "4112"),
    ("411224100", "城关镇", Level.TOWNSHIP, "411224"),
    ("411224100201", "东明社区", Level.VILLAGE, "411224100"),
    ("411224100202", "西城社区", Level.VILLAGE, "411224100"),
    ("411224105", "官坡镇", Level.TOWNSHIP, "411224"),
    ("411224105201", "南新村", Level.VILLAGE, "411224105"),
    ("411224105202", "兴隆村", Level.VILLAGE, "411224105"),
    ("411224210", "汤河乡", Level.TOWNSHIP, "411224"),
    ("411224210203", "南新村", Level.VILLAGE, "411224210"),
]
SITE = "东明社区集中安置点"
OTHER_SITE = "西城社区安置点"


def enable_county(geo: Any) -> dict[str, Jurisdiction]:
    """The county's jurisdictions under the test tree's 三门峡市, and its sites."""
    made: dict[str, Jurisdiction] = {"4112": geo["4112"]}
    for code, name, level, parent in PLACES:
        p = made[parent]
        made[code] = Jurisdiction(
            code=code, name=name, level=str(level), parent=p, path=p.path + code + "/"
        )
        db.session.add(made[code])
    db.session.add(
        Site(name=SITE, kind="centralized", jurisdiction=made["411224100201"], address="东明路1号")
    )
    db.session.add(
        Site(name=OTHER_SITE, kind="centralized", jurisdiction=made["411224100202"], address="")
    )
    db.session.commit()
    geo.by_code.update(made)  # so that make_user finds them
    return made


# The header as offices draw it: two rows, 社会保障 merged over its three sub-headers.
UPPER = [
    "序号",
    "户编号",
    "姓名",
    "公民身份号码",
    "性别",
    "出生日期",
    "民族",
    "与户主关系",
    "联系电话",
    "是否党员",
    "是否集体经济组织成员",
    "迁出地",
    "迁入地",
    "安置方式",
    "安置点",
    "搬迁入住日期",
    "社会保障",
    "",
    "",
    "备注",
]
LOWER = [""] * 16 + ["养老", "医保", "低保/特困", ""]
KEYS = [
    "seq",
    "hh",
    "name",
    "id",
    "sex",
    "born",
    "nation",
    "rel",
    "phone",
    "party",
    "collective",
    "origin",
    "dest",
    "mode",
    "site",
    "moved",
    "pension",
    "medical",
    "assist",
    "note",
]


def pid(born: date, seq: int, sex: str = "M") -> str:
    return make_id(AREA, born, seq, sex)


@dataclass
class Person:
    hh: str
    name: str
    id: str
    rel: str
    sex: str = ""
    born: str = ""
    nation: str = "汉族"
    phone: str = ""
    party: str = "否"
    collective: str = "是"
    origin: str = "官坡镇南新村"
    dest: str = "东明社区"
    mode: str = "集中安置"
    site: str = SITE
    moved: str = "2025-06-30"
    pension: str = "参保缴费"
    medical: str = "城乡居民医保"
    assist: str = "无"
    note: str = ""
    fault: str = ""  # the column and words of the fault this row carries, if any
    extra: dict[str, str] = field(default_factory=dict)

    def cells(self, seq: int) -> list[Any]:
        values = {k: getattr(self, k, "") for k in KEYS if k != "seq"}
        return [seq, *[values[k] for k in KEYS[1:]]]


def good_households() -> list[Person]:
    """Households with every column filled, as the clerk keeps them."""
    return [
        # 1: a party member head, 特困 (the short word), 回族, his own phone
        Person(
            "LS-001",
            "张卫东",
            pid(date(1958, 4, 12), 11),
            "户主",
            "男",
            "1958-04-12",
            "回族",
            "13800000001",
            "是",
            "是",
            pension="领取待遇",
            assist="特困",
        ),
        Person(
            "LS-001",
            "李桂兰",
            pid(date(1960, 8, 3), 12, "F"),
            "配偶",
            "女",
            "1960/08/03",
            phone="13800000002",
            assist="特困",
        ),
        # 2: 城市低保, an employee's medical insurance, not a collective member
        Person(
            "LS-002",
            "王海",
            pid(date(1975, 1, 20), 21),
            "户主",
            "男",
            "1975年1月20日",
            phone="13800000003",
            collective="否",
            medical="职工医保",
            assist="城市低保",
        ),
        Person(
            "LS-002",
            "王小雨",
            pid(date(2005, 9, 9), 22, "F"),
            "女",
            "女",
            "",
            collective="否",
            medical="职工医保",
            assist="城市低保",
        ),
        # 3: from 兴隆村 by its short name, 低保 (rural), party member given as 正式 by 是
        Person(
            "LS-003",
            "赵平安",
            pid(date(1969, 12, 1), 31),
            "户主",
            origin="兴隆村",
            party="是",
            assist="低保",
            pension="未参保",
            medical="断保/停保未续保",
        ),
        # 4: the origin's full name, scattered, no site
        Person(
            "LS-004",
            "孙建业",
            pid(date(1980, 2, 2), 41),
            "户主",
            origin="河南省三门峡市卢氏县官坡镇南新村",
            mode="分散安置",
            site="",
        ),
    ]


def faulty_rows() -> list[Person]:
    """One fault of each kind the import knows; the `fault` names the words expected."""
    dup = pid(date(1958, 4, 12), 11)  # 张卫东's number again
    return [
        Person(
            "F-01",
            "钱错码",
            pid(date(1970, 1, 1), 51)[:-1] + "0",
            "户主",
            fault="身份证号码校验位不正确",
        ),
        Person(
            "F-02",
            "周生日",
            pid(date(1971, 3, 3), 52),
            "户主",
            born="1971-03-04",
            fault="出生日期1971-03-04与身份证号码中的出生日期1971-03-03不符",
        ),
        Person(
            "F-03",
            "吴性别",
            pid(date(1972, 5, 5), 53),
            "户主",
            sex="女",
            fault="性别与身份证号码不符",
        ),
        Person(
            "F-04",
            "郑同名",
            pid(date(1973, 6, 6), 54),
            "户主",
            origin="南新村",
            fault="“南新村”有2个同名村（社区）",
        ),
        Person(
            "F-05",
            "冯无村",
            pid(date(1974, 7, 7), 55),
            "户主",
            origin="北山村",
            fault="未找到村（社区）“北山村”",
        ),
        Person(
            "F-06",
            "陈五保",
            pid(date(1975, 8, 8), 56),
            "户主",
            assist="五保",
            fault="“五保”不是有效的社会救助",
        ),
        Person(
            "F-07",
            "褚党员",
            pid(date(1976, 9, 9), 57),
            "户主",
            party="可能",
            fault="“是否党员”应填写“是”或“否”",
        ),
        Person("F-08", "卫重复", dup, "户主", fault="与第5行的身份证号码重复"),
        Person("F-09", "蒋无主", pid(date(1977, 10, 10), 58), "配偶", fault="该户缺少户主"),
        Person("F-10", "", pid(date(1978, 11, 11), 59), "户主", fault="请填写姓名"),
        Person(
            "F-11",
            "沈日期",
            pid(date(1979, 12, 12), 60),
            "户主",
            moved="去年",
            fault="“搬迁入住日期”日期格式应为 2026-11-27",
        ),
        Person(
            "F-12", "韩邻居", pid(date(1980, 1, 13), 61), "邻居", fault="“邻居”不是有效的与户主关系"
        ),
        Person(
            "F-13",
            "杨新点",
            pid(date(1981, 2, 14), 62),
            "户主",
            site="东明二期安置点",
            fault="迁入地没有名为“东明二期安置点”的安置点",
        ),
        Person(
            "F-14", "朱无式", pid(date(1982, 3, 15), 63), "户主", mode="", fault="请填写安置方式"
        ),
    ]


def elsewhere_rows() -> list[Person]:
    """Households bound for 西城社区: outside a 东明社区 clerk's reach."""
    return [
        Person(
            "X-01", "秦西城", pid(date(1966, 6, 1), 71), "户主", dest="西城社区", site=OTHER_SITE
        ),
        Person(
            "X-01",
            "许西城",
            pid(date(1967, 6, 2), 72, "F"),
            "配偶",
            dest="西城社区",
            site=OTHER_SITE,
        ),
    ]


def ledger_workbook(people: list[Person], *, cover: bool = True, title_rows: int = 2) -> bytes:
    """A workbook as offices send it: a cover sheet first, then the ledger under title
    rows and a two-row header (the group cell merged). Returns the file."""
    wb = Workbook()
    ws = wb.active
    if cover:
        ws.title = "封面"
        ws.append(["卢氏县易地扶贫搬迁安置台账"])
        ws.append(["填报单位：城关镇东明社区"])
        ws = wb.create_sheet("搬迁户台账")
    else:
        ws.title = "搬迁户台账"
    for i in range(title_rows):
        ws.append(["卢氏县易地扶贫搬迁安置台账（2026年）" if i == 0 else "填报日期：2026年11月"])
    ws.append(UPPER)
    ws.append(LOWER)
    top = title_rows + 1
    ws.merge_cells(start_row=top, start_column=17, end_row=top, end_column=19)
    for col in range(1, 17):
        ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
    ws.merge_cells(start_row=top, start_column=20, end_row=top + 1, end_column=20)
    for seq, person in enumerate(people, 1):
        ws.append(person.cells(seq))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def first_data_row(title_rows: int = 2) -> int:
    """The sheet row of the first person (title rows, then the two header rows)."""
    return title_rows + 3
