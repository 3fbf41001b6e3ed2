"""Who has a social-assistance case and which way it goes (社会救助关系转接).

A 低保 or 特困 recipient applies after the hukou moved: the jurisdiction is transferred,
by a notice (通知) within the county or a letter (函) across counties. A rural 低保
recipient may instead convert to urban 低保. A resident who keeps the original hukou
keeps the assistance where it is (原政策待遇不变).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from workflows.assistance_payments import one_month_deadline
from workflows.context import Context
from workflows.fields import Offer
from workflows.hukou import hukou_status
from workflows.i18n import gettext as _
from workflows.labels import LabelledEnum
from workflows.scope import Scope

NAME = "assistance"
RECIPIENT = ("dibao_rural", "dibao_urban", "tekun")
KIND_LABELS = {"dibao_rural": "农村低保", "dibao_urban": "城市低保", "tekun": "特困供养"}


class Path(LabelledEnum):
    TRANSFER = "transfer", "救助关系管辖迁移"
    CONVERT = "convert", "农村低保转城市低保"


class DocumentKind(LabelledEnum):
    NOTICE = "notice", "救助关系管辖迁移通知"  # same county: to the destination township
    LETTER = "letter", "救助关系管辖迁移函"  # other county: to the destination bureau


def document_kind(scope: str) -> DocumentKind:
    return DocumentKind.NOTICE if scope == Scope.SAME_COUNTY else DocumentKind.LETTER


def needs_assistance_case(ctx: Context) -> tuple[bool, str]:
    kind = ctx.facts.person.assistance
    if kind not in RECIPIENT:
        return False, _("非低保、特困救助对象")
    if ctx.in_progress(NAME):
        return False, _("已有正在办理的社会救助转接事项")
    if ctx.facts.person.assistance_transferred:
        return False, _("救助关系已转入迁入地")
    label = _(KIND_LABELS[kind])
    status = hukou_status(ctx.facts, ctx.related.get("hukou"))
    if status == "kept" and kind != "dibao_rural":
        return False, _("%(kind)s：户籍未迁移，救助关系仍由户籍地管理，待遇不变", kind=label)
    if status == "moved":
        return True, _(
            "%(kind)s：户籍已迁移，经本人申请办理救助关系管辖迁移（1个月内）", kind=label
        )
    if kind == "dibao_rural":
        return True, _(
            "%(kind)s：户籍迁移后办理管辖迁移；或持城镇居住证申请转为城市低保", kind=label
        )
    return True, _("%(kind)s：待户口迁移办结后办理救助关系管辖迁移", kind=label)


def may_convert(ctx: Context) -> bool:
    return ctx.facts.person.assistance == "dibao_rural"


def path_offers(ctx: Context) -> list[Offer]:
    """Transfer unless the hukou stays at origin; conversion for 农村低保 only."""
    kept = hukou_status(ctx.facts, ctx.related.get("hukou")) == "kept"
    return [
        Offer(
            Path.TRANSFER.value,
            Path.TRANSFER.label,
            _("本人保留原籍户口，救助关系仍由户籍地管理，不能办理管辖迁移") if kept else "",
        ),
        Offer(
            Path.CONVERT.value,
            Path.CONVERT.label,
            "" if may_convert(ctx) else _("仅农村低保对象可申请转为城市低保"),
        ),
    ]


def validate_application(ctx: Context) -> dict[str, str]:
    errors: dict[str, str] = {}
    if date.fromisoformat(ctx.data["applied_on"]) > ctx.today:
        errors["applied_on"] = _("申请日期不能晚于今天")
    if ctx.data["path"] == Path.CONVERT and not ctx.data.get("conversion_basis"):
        errors["conversion_basis"] = _("转为城市低保须说明依据（户口性质转变或已办理城镇居住证）")
    return errors


def record_application(ctx: Context) -> dict[str, Any]:
    applied = date.fromisoformat(ctx.data["applied_on"])
    record = ctx.given
    record["deadline"] = one_month_deadline(applied).isoformat()
    record["assistance_kind"] = KIND_LABELS.get(ctx.facts.person.assistance, "")
    return record


def record_issue(ctx: Context) -> dict[str, Any]:
    kind = document_kind(ctx.facts.household.scope)
    return {
        **ctx.given,
        "document_kind": kind.value,
        "document_label": kind.label,
    }
