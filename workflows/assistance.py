"""Social assistance jurisdiction (社会救助关系转接, 低保/特困).

Managed where the hukou is. After the hukou moved and on the person's application:
origin township reports → origin county civil affairs bureau issues the
jurisdiction-transfer document (same county: a notice 通知 to the destination township;
other county: a letter 函 to the destination bureau, which accepts) → the destination
starts payment. One month end to end; payments must not lapse (不断档): the case records
the last month paid at origin and the first at destination, a gap month is a violation,
and closing with a gap needs a written explanation.

Rural 低保 converts to urban 低保 when the person's status changes or an urban
residence permit is issued; in the year of moving the origin township handles it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from workflows.assistance_paths import (
    KIND_LABELS,
    NAME,
    DocumentKind,
    Path,
    document_kind,
    may_convert,
    needs_assistance_case,
    path_offers,
    record_application,
    record_issue,
    validate_application,
)
from workflows.assistance_payments import (
    closing_payment,
    gap_months,
    one_month_deadline,
    overlap,
    within_one_month,
)
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
from workflows.hukou import hukou_status
from workflows.i18n import N_
from workflows.i18n import gettext as _
from workflows.roles import Role

__all__ = [
    "PROCEDURE",
    "DocumentKind",
    "Path",
    "document_kind",
    "gap_months",
    "needs_assistance_case",
    "one_month_deadline",
    "overlap",
    "within_one_month",
]


def _path(p: Path) -> Callable[[Context], bool]:
    return lambda ctx: ctx.data.get("path") == p


def _moved_this_year(ctx: Context) -> bool:
    moved = ctx.facts.household.moved_on
    return bool(moved) and date.fromisoformat(moved).year == ctx.today.year


def _hukou_is(status: str) -> Callable[[Context], bool]:
    return lambda ctx: hukou_status(ctx.facts, ctx.related.get("hukou")) == status


def coverage(final_state: str, ctx: Context) -> Coverage:
    kind = ctx.case_data.get("assistance_kind") or KIND_LABELS.get(
        ctx.facts.person.assistance, "救助"
    )
    if final_state == "transferred":
        first = ctx.case_data.get("first_destination_month")
        if not first:
            return Coverage("", _("须登记迁入地首次发放月份"))
        gap = ctx.case_data.get("gap_months") or []
        note = f"（断档{'、'.join(gap)}，已书面说明）" if gap else ""
        return Coverage(
            f"{kind}由{ctx.facts.household.destination_name or '迁入地'}自{first}起发放{note}"
        )
    if final_state == "converted":
        first = ctx.case_data.get("first_urban_month")
        return Coverage(f"自{first}起享受城市低保")
    origin = ctx.facts.household.origin_name or "迁出地"
    return Coverage(f"{kind}仍由户籍地（{origin}）管理，待遇不变")


PROCEDURE = Procedure(
    name=NAME,
    label="社会救助关系转接",
    description="低保、特困对象户籍迁移后经本人申请办理管辖迁移，1个月内完成，救助金不断档；农村低保可转城市低保。",
    initial="application",
    depends_on=("hukou",),
    applies=needs_assistance_case,
    coverage=coverage,
    data_labels={
        "deadline": "1个月办结期限",
        "assistance_kind": "救助类别",
        "document_label": "文书类别",
        "gap_months": "断档月份",
        "within_one_month": "1个月内办结",
    },
    hidden_data=("document_kind",),
    states=[
        step("application", "受理本人申请", Role.VILLAGE_STAFF, "destination", Limit(3)),
        State("waiting_hukou", "等待户口迁移", waits_on="hukou"),
        step("origin_report", "迁出地乡镇报送名单", Role.TOWNSHIP_GOVERNMENT, "origin", Limit(5)),
        step(
            "bureau_issue",
            "区县民政局制发通知（函）",
            Role.CIVIL_AFFAIRS_BUREAU,
            "origin",
            Limit(5),
        ),
        step(
            "destination_bureau",
            "迁入地民政局受理",
            Role.CIVIL_AFFAIRS_BUREAU,
            "destination",
            Limit(3),
        ),
        step(
            "destination_township",
            "迁入地乡镇办理并发放",
            Role.TOWNSHIP_GOVERNMENT,
            "destination",
            Limit(5),
        ),
        step(
            "conversion_origin",
            "迁出地乡镇办理农村低保转城市低保",
            Role.TOWNSHIP_GOVERNMENT,
            "origin",
            Limit(10),
        ),
        step(
            "conversion_destination",
            "迁入地乡镇办理农村低保转城市低保",
            Role.TOWNSHIP_GOVERNMENT,
            "destination",
            Limit(10),
        ),
        end("transferred", "已转入迁入地发放", "救助关系已转入迁入地"),
        end("converted", "已转为城市低保", "已转为城市低保"),
        end("stays_at_origin", "户籍地继续管理", "保留原籍户口，救助关系仍在户籍地"),
    ],
    actions=[
        Action(
            "apply",
            "application",
            "origin_report",
            "受理申请",
            fields=(
                Field("path", "办理事项", "choice", offers=path_offers),
                Field("applied_on", "本人申请日期", "date", default=today),
                Field(
                    "conversion_basis",
                    "转城市低保依据",
                    "choice",
                    required=False,
                    choices=[("status", "户口性质已转为城镇"), ("permit", "已办理城镇居住证")],
                ),
                Field("residence_permit_no", "居住证号码", required=False, max_length=40),
            ),
            validate=validate_application,
            record=record_application,
            branches=(
                Branch(
                    lambda c: _path(Path.CONVERT)(c) and _moved_this_year(c), "conversion_origin"
                ),
                Branch(_path(Path.CONVERT), "conversion_destination"),
                Branch(_hukou_is("pending"), "waiting_hukou"),
            ),
        ),
        # The hukou case may end while the application is still at the window: a
        # resident who keeps the original hukou keeps the assistance where it is (原政策
        # 待遇不变). For 城市低保 and 特困 nothing else is possible, so the case closes by
        # itself; a 农村低保 recipient may still apply for conversion, or close it so.
        Action(
            "kept_before_application",
            "application",
            "stays_at_origin",
            "本人保留原籍户口，救助关系仍在户籍地，原政策待遇不变",
            system=True,
            when=(Guard(lambda c: _hukou_is("kept")(c) and not may_convert(c)),),
        ),
        Action(
            "stay_at_origin",
            "application",
            "stays_at_origin",
            "本人保留原籍户口，不申请转换，救助关系仍在户籍地",
            when=(Guard(_hukou_is("kept"), N_("户口迁移办结前不能按保留原籍户口办结")),),
            fields=(Field("note", "情况说明", required=False, max_length=200),),
        ),
        Action(
            "hukou_moved",
            "waiting_hukou",
            "origin_report",
            "户口已迁移，转迁出地乡镇报送",
            system=True,
            when=(Guard(_hukou_is("moved")),),
        ),
        Action(
            "hukou_kept",
            "waiting_hukou",
            "stays_at_origin",
            "本人保留原籍户口，救助关系仍在户籍地",
            system=True,
            when=(Guard(_hukou_is("kept")),),
        ),
        Action(
            "report",
            "origin_report",
            "bureau_issue",
            "报送区县民政局",
            fields=(
                Field("reported_on", "报送日期", "date", default=today),
                Field("list_no", "迁出救助对象名单编号", required=False, max_length=40),
            ),
        ),
        Action(
            "issue",
            "bureau_issue",
            "destination_bureau",
            "制发管辖迁移通知（函）",
            fields=(
                Field("document_no", "文号", max_length=40),
                Field("issued_on", "制发日期", "date", default=today),
            ),
            record=record_issue,
            branches=(
                Branch(
                    lambda c: document_kind(c.facts.household.scope) is DocumentKind.NOTICE,
                    "destination_township",
                ),
            ),
        ),
        Action(
            "accept",
            "destination_bureau",
            "destination_township",
            "受理管辖迁移，交迁入地乡镇发放",
            fields=(Field("accepted_on", "受理日期", "date", default=today),),
        ),
        closing_payment(
            "start_payment",
            "destination_township",
            "transferred",
            "办结：迁入地开始发放",
            Field("last_origin_month", "迁出地最后发放月份", "month"),
            Field("first_destination_month", "迁入地首次发放月份", "month"),
            person_facts=lambda ctx: {"assistance_transferred": True},
        ),
        *[
            closing_payment(
                "convert",
                source,
                "converted",
                "办结：转为城市低保",
                Field("last_rural_month", "农村低保最后发放月份", "month"),
                Field("first_urban_month", "城市低保首次发放月份", "month"),
                person_facts=lambda ctx: {"assistance": "dibao_urban"},
            )
            for source in ("conversion_origin", "conversion_destination")
        ],
    ],
)
