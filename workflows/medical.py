"""Medical insurance (医疗保险关系转接).

Within the province-level unit the person's wish is respected, also within one county or
city: keep the relation where it is, move it to the destination (the destination's agency
handles it), or register for off-site medical care (异地就医备案); cross-province the
relation is transferred out under national rules. Coverage must never be interrupted.
Monitoring: a person who should be insured but is not (应保未保) or whose employee
insurance lapsed (断保/停保未续保) gets a follow-up task for the medical insurance
agency automatically: mobilize enrollment and apply the contribution subsidy.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from workflows.base import (
    Action,
    Branch,
    Context,
    Coverage,
    Field,
    Offer,
    Procedure,
    State,
    end,
    step,
)
from workflows.calendar import Limit
from workflows.facts import CaseFacts, FactsLike
from workflows.i18n import N_
from workflows.i18n import gettext as _
from workflows.labels import LabelledEnum
from workflows.roles import Role
from workflows.scope import Scope

NAME = "medical"
UNINSURED = ("none", "lapsed")


class MedicalWish(LabelledEnum):
    FILING = "filing", "办理异地就医备案（参保关系留在原地）"
    TRANSFER = "transfer", "将医保关系转移到迁入地"
    FILING_THEN_TRANSFER = "filing_then_transfer", "先办理异地就医备案，再转移医保关系"
    KEEP = "keep", "保持原参保关系，暂不备案"


def monitoring_need(facts: FactsLike) -> str:
    """'应保未保', '断保' or '' (monitoring)."""
    status = CaseFacts.of(facts).person.medical_insurance
    if status == "none":
        return N_("应保未保")
    if status == "lapsed":
        return N_("职工医保断保/停保未续保")
    return ""


def wishes_allowed(scope: str) -> list[MedicalWish]:
    """Cross-province: transfer out under national rules; within the province: any wish."""
    if scope == Scope.CROSS_PROVINCE:
        return [MedicalWish.TRANSFER]
    return list(MedicalWish)


def needs_medical_case(ctx: Context) -> tuple[bool, str]:
    if ctx.in_progress(NAME):
        return False, _("已有正在办理的医疗保险事项")
    need = monitoring_need(ctx.facts)
    if need and not ctx.facts.person.medical_enrolled_on:
        return True, _("%(need)s：由医保经办机构跟进动员参保并落实缴费资助", need=_(need))
    if ctx.facts.person.medical_transferred:
        return False, _("医保关系已转入迁入地")
    scope = ctx.facts.household.scope
    if scope == Scope.SAME_COUNTY:
        return True, _(
            "县（区）内搬迁：尊重本人意愿，保持原参保关系、在迁入地参保或办理异地就医备案"
        )
    if scope == Scope.CROSS_PROVINCE:
        return True, _("跨省搬迁：协助按国家规定办理医保关系转出")
    return True, _("省内跨县搬迁：尊重本人意愿办理异地就医备案和/或医保关系迁移")


def coverage_gap_days(origin_until: date, destination_from: date) -> int:
    """Days without coverage between the origin's last day and the destination's first."""
    return max((destination_from - origin_until).days - 1, 0)


def _wish_offers(ctx: Context) -> list[Offer]:
    allowed = wishes_allowed(ctx.facts.household.scope)
    refusal = _("跨省搬迁须按国家规定办理医保关系转出")
    return [Offer(w.value, w.label, "" if w in allowed else refusal) for w in MedicalWish]


def _wish_is(*wishes: MedicalWish) -> Callable[[Context], bool]:
    return lambda ctx: ctx.data.get("wish") in wishes or ctx.case_data.get("wish") in wishes


def _validate_origin(ctx: Context) -> dict[str, str]:
    wish = ctx.case_data.get("wish")
    errors = {}
    if wish in (MedicalWish.FILING, MedicalWish.FILING_THEN_TRANSFER) and not ctx.data.get(
        "filing_no"
    ):
        errors["filing_no"] = _("须填写异地就医备案编号")
    if wish in (MedicalWish.TRANSFER, MedicalWish.FILING_THEN_TRANSFER) and not ctx.data.get(
        "origin_covered_until"
    ):
        errors["origin_covered_until"] = _("转出时须填写迁出地参保截止日期")
    return errors


def _validate_enroll(ctx: Context) -> dict[str, str]:
    until = ctx.case_data.get("origin_covered_until")
    start = date.fromisoformat(ctx.data["covered_from"])
    if until and start > date.fromisoformat(until) + timedelta(days=1):
        gap = coverage_gap_days(date.fromisoformat(until), start)
        return {
            "covered_from": _(
                "迁入地参保起始日期晚于迁出地参保截止日期，将断保%(n)s天，不得中断", n=gap
            )
        }
    return {}


def coverage(final_state: str, ctx: Context) -> Coverage:
    origin = ctx.facts.household.origin_name or "迁出地"
    dest = ctx.facts.household.destination_name or "迁入地"
    if final_state == "transferred":
        return Coverage(f"自{ctx.case_data.get('covered_from')}起在{dest}参加基本医疗保险")
    if final_state == "filed":
        filing = ctx.case_data.get("filing_no", "")
        return Coverage(f"在{origin}参保，已办理异地就医备案（{filing}），在居住地就医直接结算")
    if final_state == "enrolled":
        if not ctx.case_data.get("enrolled_on"):
            return Coverage("", _("须登记参保日期，否则仍为应保未保"))
        return Coverage(f"自{ctx.case_data.get('enrolled_on')}起参加基本医疗保险")
    if final_state == "unchanged":
        return Coverage("县（区）内搬迁，本人选择参保关系和待遇不变")
    return Coverage(f"继续在{origin}参加基本医疗保险")


PROCEDURE = Procedure(
    name=NAME,
    label="医疗保险关系转接",
    description="省内尊重本人意愿办理异地就医备案或关系迁移，跨省协助转出；应保未保、断保人员自动生成跟进任务。",
    initial="screening",
    applies=needs_medical_case,
    coverage=coverage,
    data_labels={"monitoring": "参保监测"},
    states=[
        State("screening", "参保状况筛查"),
        step("wish", "听取本人意愿", Role.VILLAGE_STAFF, "destination", Limit(10)),
        step(
            "origin_agency",
            "迁出地医保经办（备案/转出）",
            Role.MEDICAL_INSURANCE_AGENCY,
            "origin",
            Limit(10),
        ),
        step(
            "destination_agency",
            "迁入地医保经办（接续参保）",
            Role.MEDICAL_INSURANCE_AGENCY,
            "destination",
            Limit(10),
        ),
        step("follow_up", "跟进动员参保", Role.MEDICAL_INSURANCE_AGENCY, "destination", Limit(10)),
        end("transferred", "已转移接续", "医保关系已转入迁入地"),
        end("filed", "已异地就医备案", "原地参保，异地就医已备案"),
        end("kept", "原地参保", "本人选择保持原参保关系"),
        end("enrolled", "已参保", "已动员参保"),
        end("unchanged", "参保关系不变", "县（区）内搬迁，本人选择参保关系不变"),
    ],
    actions=[
        Action(
            "screen",
            "screening",
            "wish",
            "参保状况筛查",
            system=True,
            record=lambda ctx: {"monitoring": monitoring_need(ctx.facts) or "正常参保"},
            branches=(Branch(lambda ctx: bool(monitoring_need(ctx.facts)), "follow_up"),),
        ),
        Action(
            "record_wish",
            "wish",
            "origin_agency",
            "登记本人意愿",
            fields=(
                Field("wish", "本人意愿", "choice", offers=_wish_offers),
                Field("note", "说明", "textarea", required=False, max_length=500),
            ),
            branches=(
                Branch(
                    lambda ctx: (
                        _wish_is(MedicalWish.KEEP)(ctx)
                        and ctx.facts.household.scope == Scope.SAME_COUNTY
                    ),
                    "unchanged",
                ),
                Branch(_wish_is(MedicalWish.KEEP), "kept"),
            ),
        ),
        Action(
            "handle",
            "origin_agency",
            "destination_agency",
            "办理备案/转出",
            fields=(
                Field("filing_no", "异地就医备案编号", required=False, max_length=40),
                Field("origin_covered_until", "迁出地参保截止日期", "date", required=False),
            ),
            validate=_validate_origin,
            branches=(Branch(_wish_is(MedicalWish.FILING), "filed"),),
        ),
        Action(
            "enroll",
            "destination_agency",
            "transferred",
            "办结：迁入地接续参保",
            fields=(Field("covered_from", "迁入地参保起始日期", "date"),),
            validate=_validate_enroll,
            person_facts=lambda ctx: {"medical_transferred": True},
        ),
        Action(
            "enrolled",
            "follow_up",
            "enrolled",
            "办结：已动员参保",
            fields=(
                Field(
                    "insurance",
                    "参保险种",
                    "choice",
                    choices=[("resident", "城乡居民医保"), ("employee", "职工医保")],
                ),
                Field("enrolled_on", "参保日期", "date"),
                Field(
                    "subsidy_applied", "已按规定落实城乡居民医保缴费资助", "bool", required=False
                ),
            ),
            person_facts=lambda ctx: {
                "medical_insurance": ctx.data["insurance"],
                "medical_enrolled_on": ctx.data["enrolled_on"],
            },
        ),
    ],
)
