"""Assistance payments across the transfer: months paid by neither side (断档), months
paid twice, and the one-month time limit. Pure arithmetic and the rules of the two
closing actions (start of payment at the destination, conversion to urban 低保).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from workflows.base import Action, Field
from workflows.calendar import add_months
from workflows.context import Context
from workflows.i18n import gettext as _


def parse_month(value: str) -> tuple[int, int]:
    year, month = value.split("-")
    return int(year), int(month)


def month_index(value: str) -> int:
    year, month = parse_month(value)
    return year * 12 + month - 1


def month_of(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def gap_months(last_origin_month: str, first_destination_month: str) -> list[str]:
    """Months paid by neither side: strictly between the two (不断档 means none)."""
    first, last = month_index(first_destination_month), month_index(last_origin_month)
    return [month_of(i) for i in range(last + 1, first)]


def overlap(last_origin_month: str, first_destination_month: str) -> bool:
    """The destination would pay a month the origin already paid."""
    return month_index(first_destination_month) <= month_index(last_origin_month)


def one_month_deadline(applied_on: date) -> date:
    """In principle within 1 month of the application."""
    return add_months(applied_on, 1)


def within_one_month(applied_on: date, completed_on: date) -> bool:
    return completed_on <= one_month_deadline(applied_on)


def validate_months(first_key: str, last_key: str) -> Callable[[Context], dict[str, str]]:
    def check(ctx: Context) -> dict[str, str]:
        last, first = ctx.data[last_key], ctx.data[first_key]
        if overlap(last, first):
            return {first_key: _("迁入地首次发放月份应晚于迁出地最后发放月份（不得重复发放）")}
        if gap_months(last, first) and not ctx.data.get("gap_explanation"):
            months = "、".join(gap_months(last, first))
            return {
                "gap_explanation": _("%(months)s未发放（断档），办结须填写书面说明", months=months)
            }
        return {}

    return check


def record_payment(first_key: str, last_key: str) -> Callable[[Context], dict[str, Any]]:
    def record(ctx: Context) -> dict[str, Any]:
        data = ctx.given
        data["gap_months"] = gap_months(ctx.data[last_key], ctx.data[first_key])
        applied = ctx.case_data.get("applied_on")
        if applied:
            data["within_one_month"] = within_one_month(date.fromisoformat(applied), ctx.today)
        return data

    return record


def payment_violations(
    first_key: str, last_key: str
) -> Callable[[Context], list[Mapping[str, Any]]]:
    def found(ctx: Context) -> list[Mapping[str, Any]]:
        out: list[Mapping[str, Any]] = []
        months = gap_months(ctx.data[last_key], ctx.data[first_key])
        if months:
            out.append(
                {
                    "kind": "assistance_gap",
                    "months": months,
                    "text": f"救助金断档：{'、'.join(months)}未发放",
                }
            )
        applied = ctx.case_data.get("applied_on")
        if applied and not within_one_month(date.fromisoformat(applied), ctx.today):
            out.append(
                {
                    "kind": "assistance_over_one_month",
                    "applied_on": applied,
                    "text": f"超过1个月办结时限（申请日期{applied}）",
                }
            )
        return out

    return found


GAP_EXPLANATION = Field(
    "gap_explanation",
    "断档书面说明",
    "textarea",
    required=False,
    max_length=1000,
    help="存在未发放月份时必填",
)


def closing_payment(
    trigger: str,
    source: str,
    dest: str,
    label: str,
    last: Field,
    first: Field,
    person_facts: Callable[[Context], Mapping[str, Any]],
) -> Action:
    """An action that closes the case when the new side starts paying: it records the
    last month the old side paid and the first the new side pays. No month is paid
    twice; a month paid by neither (断档) needs a written explanation and goes on the
    record, as does missing the one-month limit."""
    return Action(
        trigger,
        source,
        dest,
        label,
        fields=(last, first, GAP_EXPLANATION),
        validate=validate_months(first.name, last.name),
        record=record_payment(first.name, last.name),
        violations=payment_violations(first.name, last.name),
        person_facts=person_facts,
    )
