"""Resident pension insurance (养老保险关系转接).

The decision table, row by row (first matching row wins):

| pension status | hukou | scope | result |
|---|---|---|---|
| receiving benefits | any | any | no transfer; benefits continue at origin |
| not insured | any | any | nothing to transfer (mobilize enrollment) |
| contributing | any | same county | not required |
| contributing | kept at origin (hukou case declined) | other | stays at origin (hukou place) |
| contributing | not moved yet | other | waits on the hukou case |
| contributing | moved | cross-county, same province | the person chooses: keep or transfer |
| contributing | moved | cross-province | must transfer to the hukou place |

For registered poor persons the government-paid contribution (代缴) must continue
unbroken: the case records the last year paid at origin and the first at destination.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workflows.base import (
    Action,
    Branch,
    Context,
    Coverage,
    Field,
    Guard,
    Procedure,
    State,
    end,
    step,
    today,
)
from workflows.calendar import Limit
from workflows.facts import CaseFacts, FactsLike
from workflows.hukou import hukou_status
from workflows.i18n import gettext as _
from workflows.labels import LabelledEnum
from workflows.roles import Role
from workflows.scope import Scope

NAME = "pension"


class PensionDecision(LabelledEnum):
    BENEFITS_CONTINUE = "benefits_continue", "已领取待遇，不再转移，继续在原参保地领取"
    NOT_INSURED = "not_insured", "未参加城乡居民养老保险，无关系可转移"
    NOT_REQUIRED = "not_required", "县（区）内搬迁，无需转移"
    STAYS_AT_HUKOU_PLACE = "stays_at_hukou_place", "自愿保留原籍户口，在户籍地继续参保"
    WAIT_FOR_HUKOU = "wait_for_hukou", "户籍尚未迁移，待户口迁移办结"
    PERSON_CHOOSES = "person_chooses", "省内跨县搬迁且户籍已迁移：本人选择原地续保或转移"
    MUST_TRANSFER = "must_transfer", "跨省搬迁且户籍已迁移：须转移到户籍地"


def pension_decision(pension_status: str, hukou: str, scope: str) -> PensionDecision:
    """The decision table (see the module docstring)."""
    if pension_status == "receiving":
        return PensionDecision.BENEFITS_CONTINUE
    if pension_status not in ("contributing",):
        return PensionDecision.NOT_INSURED
    if scope == Scope.SAME_COUNTY:
        return PensionDecision.NOT_REQUIRED
    if hukou == "kept":
        return PensionDecision.STAYS_AT_HUKOU_PLACE
    if hukou != "moved":
        return PensionDecision.WAIT_FOR_HUKOU
    if scope == Scope.CROSS_COUNTY_SAME_PROVINCE:
        return PensionDecision.PERSON_CHOOSES
    return PensionDecision.MUST_TRANSFER


def decision_for(ctx: Context) -> PensionDecision:
    return pension_decision(
        ctx.facts.person.pension_status,
        hukou_status(ctx.facts, ctx.related.get("hukou")),
        ctx.facts.household.scope,
    )


def needs_pension_case(ctx: Context) -> tuple[bool, str]:
    if ctx.in_progress(NAME):
        return False, _("已有正在办理的养老保险转接事项")
    if ctx.facts.person.pension_transferred:
        return False, _("养老保险关系已转入户籍地")
    d = decision_for(ctx)
    if d in (
        PensionDecision.BENEFITS_CONTINUE,
        PensionDecision.NOT_INSURED,
        PensionDecision.NOT_REQUIRED,
        PensionDecision.STAYS_AT_HUKOU_PLACE,
    ):
        return False, _(d.label)
    return True, _(d.label)


def government_paid(facts: FactsLike) -> bool:
    """Registered poor persons: the government pays the contribution (代缴)."""
    return CaseFacts.of(facts).person.registered_poor


def contribution_gap_years(last_origin_year: int, first_destination_year: int) -> list[int]:
    """Years with no government-paid contribution between origin and destination."""
    return list(range(last_origin_year + 1, first_destination_year))


def _route(decision: PensionDecision) -> Callable[[Context], bool]:
    return lambda ctx: decision_for(ctx) is decision


def _waits_for_hukou(ctx: Context) -> bool:
    return decision_for(ctx) is PensionDecision.WAIT_FOR_HUKOU


def _record_route(ctx: Context) -> dict[str, Any]:
    d = decision_for(ctx)
    return {
        "decision": d.label,
        "government_paid": government_paid(ctx.facts),
    }


def _validate_handling(ctx: Context) -> dict[str, str]:
    if not government_paid(ctx.facts):
        return {}
    errors = {}
    last, first = ctx.data.get("origin_last_paid_year"), ctx.data.get("destination_first_paid_year")
    if last is None:
        errors["origin_last_paid_year"] = _("建档立卡人员须填写迁出地最后代缴年度")
    if first is None:
        errors["destination_first_paid_year"] = _("建档立卡人员须填写迁入地首个代缴年度")
    if last is not None and first is not None and first <= last:
        errors["destination_first_paid_year"] = _("迁入地首个代缴年度应晚于迁出地最后代缴年度")
    return errors


def _record_handling(ctx: Context) -> dict[str, Any]:
    record = ctx.given
    if government_paid(ctx.facts):
        gap = contribution_gap_years(
            ctx.data["origin_last_paid_year"], ctx.data["destination_first_paid_year"]
        )
        record["contribution_gap_years"] = gap
    return record


def coverage(final_state: str, ctx: Context) -> Coverage:
    origin = ctx.facts.household.origin_name or "迁出地"
    if final_state == "transferred":
        gap = ctx.case_data.get("contribution_gap_years") or []
        if gap:
            years = "、".join(str(y) for y in gap)
            return Coverage(
                "", _("建档立卡人员代缴不得断档：%(years)s年度未代缴，须先补缴", years=years)
            )
        return Coverage(f"养老保险关系已转入户籍地{ctx.facts.household.destination_name}继续参保")
    if final_state == "benefits_continue":
        return Coverage(f"继续在原参保地（{origin}）领取养老待遇")
    if final_state == "not_insured":
        return Coverage("未参加城乡居民养老保险，无关系可转移；已提示动员参保")
    return Coverage(f"养老保险关系在原参保地（{origin}）继续参保缴费")


PROCEDURE = Procedure(
    name=NAME,
    label="养老保险关系转接",
    description="按搬迁范围、户籍迁移和待遇领取情况确定：无需转移、本人选择或须转移。",
    initial="assessment",
    depends_on=("hukou",),
    applies=needs_pension_case,
    coverage=coverage,
    data_labels={
        "decision": "政策判定",
        "government_paid": "政府代缴（建档立卡）",
        "contribution_gap_years": "代缴断档年度",
    },
    states=[
        State("assessment", "政策判定"),
        State("waiting_hukou", "等待户口迁移", waits_on="hukou"),
        step("choice", "本人选择续保地", Role.VILLAGE_STAFF, "destination", Limit(10)),
        step(
            "agency", "社保经办机构办理转移", Role.SOCIAL_INSURANCE_AGENCY, "destination", Limit(10)
        ),
        end("transferred", "已转移接续", "养老保险关系已转入户籍地"),
        end("kept_at_origin", "原参保地续保", "在原参保地继续参保缴费"),
        end("not_required", "无需转移", "县（区）内搬迁，无需转移"),
        end("benefits_continue", "继续领取待遇", "已领取待遇，继续在原参保地领取"),
        end("not_insured", "未参保", "无养老保险关系可转移"),
    ],
    actions=[
        # Automatic routing by the decision table when the case opens.
        Action(
            "route",
            "assessment",
            "waiting_hukou",
            "按政策判定",
            system=True,
            record=_record_route,
            branches=(
                Branch(_route(PensionDecision.BENEFITS_CONTINUE), "benefits_continue"),
                Branch(_route(PensionDecision.NOT_INSURED), "not_insured"),
                Branch(_route(PensionDecision.NOT_REQUIRED), "not_required"),
                Branch(_route(PensionDecision.STAYS_AT_HUKOU_PLACE), "kept_at_origin"),
                Branch(_route(PensionDecision.PERSON_CHOOSES), "choice"),
                Branch(_route(PensionDecision.MUST_TRANSFER), "agency"),
            ),
        ),
        # Re-evaluated when the hukou case changes.
        Action(
            "hukou_settled",
            "waiting_hukou",
            "agency",
            "户口迁移已办结，重新判定",
            system=True,
            unless=(Guard(_waits_for_hukou, PensionDecision.WAIT_FOR_HUKOU.label),),
            record=_record_route,
            branches=(
                Branch(_route(PensionDecision.STAYS_AT_HUKOU_PLACE), "kept_at_origin"),
                Branch(_route(PensionDecision.PERSON_CHOOSES), "choice"),
            ),
        ),
        Action(
            "choose_transfer",
            "choice",
            "agency",
            "本人选择转移到现户籍地",
            fields=(
                Field(
                    "applied_online_on",
                    "线上申请日期",
                    "date",
                    default=today,
                ),
            ),
        ),
        Action(
            "choose_keep",
            "choice",
            "kept_at_origin",
            "本人选择在原参保地继续缴费",
            fields=(Field("note", "说明", "textarea", required=False, max_length=500),),
            style="secondary",
        ),
        Action(
            "complete",
            "agency",
            "transferred",
            "办结：转移接续完成",
            fields=(
                Field("transferred_on", "转移接续日期", "date", default=today),
                Field(
                    "origin_last_paid_year",
                    "迁出地最后代缴年度",
                    "int",
                    required=False,
                    help="建档立卡人员必填",
                ),
                Field(
                    "destination_first_paid_year",
                    "迁入地首个代缴年度",
                    "int",
                    required=False,
                    help="建档立卡人员必填；不得断档",
                ),
            ),
            validate=_validate_handling,
            record=_record_handling,
            person_facts=lambda ctx: {"pension_transferred": True},
        ),
    ],
)
