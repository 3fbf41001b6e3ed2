"""Household registration (户口迁移).

Principle 愿转尽转: the resident decides. Three options, offered only when allowed:
A village group, B the centralized site's door-plate address, C the township
collective household (only when neither A nor B holds). Declining keeps the original
hukou (with a residence permit, 居住证, for equal access to local services).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from workflows.base import (
    Action,
    Context,
    Coverage,
    Field,
    Offer,
    Procedure,
    RelatedCase,
    end,
    send_back,
    step,
    today,
)
from workflows.calendar import Limit
from workflows.facts import CaseFacts, FactsLike
from workflows.i18n import gettext as _
from workflows.labels import LabelledEnum
from workflows.roles import Role

NAME = "hukou"


class HukouOption(LabelledEnum):
    VILLAGE_GROUP = "village_group", "安置地村组落户"  # A
    SITE_ADDRESS = "site_address", "集中安置点门楼牌号落户"  # B
    TOWNSHIP_COLLECTIVE = "township_collective", "乡镇集体户落户"  # C


@dataclass(frozen=True)
class Eligibility:
    allowed: bool
    reason: str


def _first_holding(*rows: tuple[bool, Eligibility]) -> Eligibility:
    """The eligibility of the first row whose condition holds (the last row's always does)."""
    return next(eligibility for holds, eligibility in rows if holds)


def option_eligibility(facts: FactsLike) -> dict[HukouOption, Eligibility]:
    """Which of A/B/C the household may use, each with the reason.

    A: rural housing at the destination and actually living there, or a homestead, or
       contracted land there.
    B: actually living in a centralized resettlement site.
    C: only when neither A nor B holds.
    """
    household = CaseFacts.of(facts).household
    housing = household.has_destination_housing
    lives = household.lives_at_destination
    homestead = household.has_destination_homestead
    land = household.has_destination_contracted_land
    centralized = household.settlement_mode == "centralized"
    in_site = centralized and lives

    a = _first_holding(
        (housing and lives, Eligibility(True, _("在安置地有农村住房并实际居住"))),
        (homestead, Eligibility(True, _("在安置地有宅基地"))),
        (land, Eligibility(True, _("在安置地有承包地"))),
        (housing, Eligibility(False, _("在安置地有农村住房但未实际居住，且无宅基地、承包地"))),
        (True, Eligibility(False, _("在安置地无农村住房、宅基地或承包地"))),
    )
    b = _first_holding(
        (in_site, Eligibility(True, _("实际居住在集中安置点"))),
        (centralized, Eligibility(False, _("尚未在集中安置点实际居住"))),
        (True, Eligibility(False, _("分散安置，不在集中安置点居住"))),
    )
    c = _first_holding(
        (
            a.allowed or b.allowed,
            Eligibility(False, _("已符合村组落户或安置点门楼牌号落户条件，不适用乡镇集体户")),
        ),
        (True, Eligibility(True, _("不符合村组落户和安置点门楼牌号落户条件"))),
    )
    return {
        HukouOption.VILLAGE_GROUP: a,
        HukouOption.SITE_ADDRESS: b,
        HukouOption.TOWNSHIP_COLLECTIVE: c,
    }


def option_offers(ctx: Context) -> list[Offer]:
    """A, B and C for this household, each not allowed one with its reason."""
    return [
        Offer(o.value, o.label, "" if e.allowed else e.reason)
        for o, e in option_eligibility(ctx.facts).items()
    ]


def _validate_choice(ctx: Context) -> dict[str, str]:
    errors: dict[str, str] = {}
    option = HukouOption(ctx.data["option"])
    if option is HukouOption.SITE_ADDRESS:
        for key, label in (("building", "楼栋号"), ("unit", "单元号"), ("door", "门牌号")):
            if not ctx.data.get(key):
                errors[key] = _("选择安置点门楼牌号落户时须填写%(label)s", label=_(label))
    if option is HukouOption.VILLAGE_GROUP and not ctx.data.get("group_name"):
        errors["group_name"] = _("选择安置地村组落户时须填写落户的村民小组")
    return errors


def registration_address(facts: FactsLike, data: Mapping[str, Any]) -> str:
    """The address the police station will register, built from the chosen option."""
    household = CaseFacts.of(facts).household
    option = HukouOption(data["option"])
    if option is HukouOption.SITE_ADDRESS:
        return (
            f"{household.site_address}{data.get('building', '')}栋"
            f"{data.get('unit', '')}单元{data.get('door', '')}号"
        )
    if option is HukouOption.VILLAGE_GROUP:
        return f"{household.destination_name}{data.get('group_name', '')}"
    return f"{household.destination_township_name}集体户"


def _record_choice(ctx: Context) -> dict[str, Any]:
    data = ctx.given
    data["option_label"] = HukouOption(ctx.data["option"]).label
    data["proposed_address"] = registration_address(ctx.facts, ctx.data)
    return data


def _validate_registration(ctx: Context) -> dict[str, str]:
    if date.fromisoformat(ctx.data["registered_on"]) > ctx.today:
        return {"registered_on": _("落户日期不能晚于今天")}
    return {}


def _moved(ctx: Context) -> dict[str, Any]:
    return {
        "hukou_moved": True,
        "hukou_moved_on": ctx.data["registered_on"],
        "hukou_address": ctx.data["new_address"],
        "hukou_option": ctx.case_data.get("option"),
    }


def _kept(ctx: Context) -> dict[str, Any]:
    return {
        "hukou_moved": False,
        "residence_permit": bool(ctx.data.get("residence_permit")),
    }


def hukou_status(facts: FactsLike, hukou_case: RelatedCase | None) -> str:
    """Where the person's hukou stands for the procedures that follow it: "moved" (the
    hukou case completed, or the facts say so), "kept" (the resident chose to keep it at
    origin) or "pending"."""
    if CaseFacts.of(facts).person.hukou_moved or (
        hukou_case is not None and hukou_case.outcome == "completed"
    ):
        return "moved"
    if hukou_case is not None and hukou_case.outcome == "declined":
        return "kept"
    return "pending"


def needs_hukou_case(ctx: Context) -> tuple[bool, str]:
    """Every member whose hukou has not moved may ask; the resident decides (愿转尽转)."""
    if ctx.facts.person.hukou_moved:
        return False, _("户口已迁入安置地")
    if ctx.in_progress(NAME):
        return False, _("已有正在办理的户口迁移事项")
    options = [_(o.label) for o, e in option_eligibility(ctx.facts).items() if e.allowed]
    return True, _("可选落户方式：%(options)s", options=_("、").join(options))


def coverage(final_state: str, ctx: Context) -> Coverage:
    """Where the person's household registration is after the case closes."""
    if final_state == "completed":
        return Coverage(f"户籍登记于{ctx.case_data.get('new_address', '')}")
    permit = "，持居住证享受居住地同等服务" if ctx.case_data.get("residence_permit") else ""
    return Coverage(f"户籍保留在迁出地{ctx.facts.household.origin_name}{permit}")


PROCEDURE = Procedure(
    name=NAME,
    label="户口迁移",
    description="安置地村组、集中安置点门楼牌号或乡镇集体户落户；群众自愿，可保留原籍户口。",
    initial="application",
    applies=needs_hukou_case,
    data_labels={"option_label": "落户方式", "proposed_address": "拟登记地址"},
    hidden_data=("option",),
    coverage=coverage,
    states=[
        step("application", "受理登记", Role.VILLAGE_STAFF, "destination", Limit(10)),
        step("police_review", "派出所审核办理", Role.POLICE_STATION, "destination", Limit(10)),
        end("completed", "已落户", "户口已迁入安置地"),
        end("declined", "保留原籍户口", "自愿保留原籍户口"),
    ],
    actions=[
        Action(
            "submit",
            "application",
            "police_review",
            "确认落户方式并转派出所",
            fields=(
                Field("option", "落户方式", "choice", offers=option_offers),
                Field("group_name", "落户村民小组", required=False, help="村组落户时填写"),
                Field("building", "楼栋号", required=False, max_length=20),
                Field("unit", "单元号", required=False, max_length=20),
                Field("door", "门牌号", required=False, max_length=20),
                Field("note", "备注", "textarea", required=False, max_length=500),
            ),
            validate=_validate_choice,
            record=_record_choice,
        ),
        Action(
            "decline",
            "application",
            "declined",
            "群众自愿保留原籍户口",
            fields=(
                Field("residence_permit", "已申领或将申领居住证", "bool", required=False),
                Field("residence_permit_no", "居住证号码", required=False, max_length=40),
                Field("note", "说明", "textarea", required=False, max_length=500),
            ),
            person_facts=_kept,
            style="secondary",
            confirm="确认该群众自愿保留原籍户口？",
        ),
        Action(
            "approve",
            "police_review",
            "completed",
            "办结：准予落户",
            fields=(
                Field(
                    "new_address",
                    "登记户籍地址",
                    max_length=200,
                    default=lambda ctx: ctx.case_data.get("proposed_address", ""),
                ),
                Field("registered_on", "落户日期", "date", default=today),
            ),
            validate=_validate_registration,
            person_facts=_moved,
        ),
        send_back("police_review", "application", "退回补正"),
    ],
)
