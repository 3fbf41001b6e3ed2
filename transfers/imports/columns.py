"""The columns of a relocation ledger (台账): the headers real ledgers carry, their usual
synonyms, and the words they use for each choice.

A column's `key` names what it holds; `header` is the name our template and the export
in the import's layout use; `aliases` are the other names offices write. Headers are
compared folded (full-width to half-width, no spaces, no `*` or colon).
"""

from __future__ import annotations

from dataclasses import dataclass

from transfers.households.models import (
    ASSISTANCE_STATUS,
    MEDICAL_STATUS,
    PARTY_STATUS,
    PENSION_STATUS,
    RELATIONS,
    SETTLEMENT_MODES,
)
from workflows.i18n import N_

HUKOU_STATUS = {"not_moved": "未迁移", "moved": "已迁入安置地", "kept": "自愿保留原籍户口"}
YES_NO = ("是", "否")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    example: str = ""
    note: str = ""
    choices: tuple[str, ...] = ()


_PLACE_NOTE = "村（社区）全称、简称（如“官坡镇南新村”“南新村”）或12位行政区划代码"

COLUMNS: tuple[Column, ...] = (
    Column(
        "household_no",
        N_("户编号"),
        ("户号", "户序号", "家庭编号", "户编码", "户主编号"),
        False,
        "1",
        "同一户的成员填写相同的户编号；不填时按户主行分户（户主行及其下方成员为一户）",
    ),
    Column("name", N_("姓名"), ("成员姓名", "人员姓名", "家庭成员姓名"), True, "王建国"),
    Column(
        "id_number",
        N_("身份证号码"),
        ("身份证号", "公民身份号码", "身份证", "证件号码", "身份证件号码"),
        True,
        "",
        "18位，请将该列设为文本格式",
    ),
    Column(
        "relation",
        N_("与户主关系"),
        ("关系", "家庭关系", "与户主的关系", "与户主关系（本人）"),
        True,
        "户主",
        "每户须有且只有一位户主",
        tuple(RELATIONS),
    ),
    Column("sex", N_("性别"), (), False, "男", "可不填，填写时须与身份证号码一致", ("男", "女")),
    Column(
        "birth_date",
        N_("出生日期"),
        ("出生年月日", "出生年月"),
        False,
        "1960-03-01",
        "可不填，填写时须与身份证号码一致",
    ),
    Column("ethnicity", N_("民族"), (), False, "汉族"),
    Column(
        "origin_code",
        N_("迁出地"),
        (
            "迁出地区划代码",
            "迁出地代码",
            "迁出村代码",
            "迁出地行政区划代码",
            "迁出村",
            "迁出村（社区）",
        ),
        True,
        "卢氏县官坡镇南新村",
        _PLACE_NOTE,
    ),
    Column(
        "destination_code",
        N_("迁入地"),
        (
            "迁入地区划代码",
            "迁入地代码",
            "安置村代码",
            "迁入地行政区划代码",
            "迁入村",
            "迁入村（社区）",
            "安置村（社区）",
            "安置社区",
        ),
        True,
        "城关镇幸福社区",
        _PLACE_NOTE,
    ),
    Column(
        "settlement_mode",
        N_("安置方式"),
        ("安置类型",),
        True,
        "集中安置",
        "",
        tuple(SETTLEMENT_MODES.values()),
    ),
    Column(
        "site",
        N_("安置点"),
        ("安置点名称", "集中安置点"),
        False,
        "幸福社区集中安置点",
        "集中安置时填写",
    ),
    Column(
        "moved_on", N_("搬迁入住日期"), ("搬迁日期", "入住日期", "搬迁时间"), False, "2025-06-30"
    ),
    Column("phone", N_("联系电话"), ("电话", "手机号", "手机号码", "联系方式"), False, ""),
    Column("address", N_("现住址"), ("安置地址", "住址", "安置住址"), False, ""),
    Column("party_status", N_("政治面貌"), (), False, "非党员", "", tuple(PARTY_STATUS.values())),
    Column("party_member", N_("是否党员"), ("党员",), False, "否", "", YES_NO),
    Column(
        "collective_member",
        N_("是否集体经济组织成员"),
        ("集体经济组织成员", "集体成员", "是否集体成员"),
        False,
        "是",
        "",
        YES_NO,
    ),
    Column(
        "pension_status",
        N_("养老保险"),
        ("养老", "养老保险状态", "养老保险情况", "养老保险参保情况"),
        False,
        "参保缴费",
        "",
        tuple(PENSION_STATUS.values()),
    ),
    Column(
        "medical_insurance",
        N_("医疗保险"),
        ("医保", "医疗保险状态", "医保情况", "医疗保险参保情况"),
        False,
        "城乡居民医保",
        "",
        tuple(MEDICAL_STATUS.values()),
    ),
    Column(
        "assistance",
        N_("社会救助"),
        ("低保特困", "低保/特困", "救助类型", "低保情况", "低保", "享受低保特困"),
        False,
        "无",
        "低保、农村低保、城市低保、特困、特困供养或无",
        tuple(ASSISTANCE_STATUS.values()),
    ),
    Column("registered_poor", N_("建档立卡"), ("脱贫户", "建档立卡户"), False, "是", "", YES_NO),
    Column(
        "lives_at_destination",
        N_("在安置地实际居住"),
        (),
        False,
        "是",
        "按户填写（以户主行为准）",
        YES_NO,
    ),
    Column("has_destination_housing", N_("安置地有农村住房"), (), False, "否", "按户填写", YES_NO),
    Column("has_destination_homestead", N_("安置地有宅基地"), (), False, "否", "按户填写", YES_NO),
    Column(
        "has_destination_contracted_land", N_("安置地有承包地"), (), False, "否", "按户填写", YES_NO
    ),
    Column(
        "hukou_status",
        N_("户口迁移情况"),
        ("户口迁移状态",),
        False,
        "未迁移",
        "已办结的迁移可导入为“已迁入安置地”或“自愿保留原籍户口”",
        tuple(HUKOU_STATUS.values()),
    ),
    Column("hukou_moved_on", N_("落户日期"), (), False, "", "已迁入安置地时填写"),
    Column("hukou_address", N_("落户地址"), ("户籍地址",), False, "", "已迁入安置地时填写"),
)
BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = [c for c in COLUMNS if c.required]

# The words ledgers use for a choice, beyond our own labels.
VALUE_SYNONYMS: dict[str, dict[str, str]] = {
    "settlement_mode": {"集中": "centralized", "分散": "scattered"},
    "party_status": {
        "群众": "none",
        "中共党员": "full",
        "党员": "full",
        "中共预备党员": "probationary",
    },
    "pension_status": {
        "参保": "contributing",
        "已参保": "contributing",
        "缴费": "contributing",
        "领取": "receiving",
        "领取养老金": "receiving",
        "领取待遇中": "receiving",
        "无": "none",
        "否": "none",
    },
    "medical_insurance": {
        "居民医保": "resident",
        "城乡居民": "resident",
        "已参保": "resident",
        "参保": "resident",
        "职工": "employee",
        "城镇职工医保": "employee",
        "断保": "lapsed",
        "停保": "lapsed",
        "无": "none",
        "否": "none",
    },
    "assistance": {
        "低保": "dibao_rural",
        "特困": "tekun",
        "特困人员": "tekun",
        "特困供养人员": "tekun",
        "否": "none",
    },
    "hukou_status": {"已迁移": "moved", "保留原籍": "kept"},
}
