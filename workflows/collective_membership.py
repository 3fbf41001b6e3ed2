"""Collective economic organization membership (集体经济组织成员身份确认).

Only for moves across collective organizations and only
on the person's written application; the person may instead keep the origin membership.
Application → publicity of the applicant list (公示, default 7 calendar days,
configurable) → objections recorded and resolved → vote by one of three bodies, passing
with two-thirds *of the whole body* (inclusive) → confirmed or rejected. On confirmation
the origin membership ends on the date the new one begins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from workflows.base import (
    Action,
    Branch,
    Context,
    Coverage,
    Field,
    Guard,
    Procedure,
    end,
    step,
    today,
)
from workflows.calendar import Limit, LimitUnit
from workflows.facts import CaseFacts, FactsLike
from workflows.i18n import N_
from workflows.i18n import gettext as _
from workflows.labels import LabelledEnum
from workflows.roles import Role

NAME = "collective_membership"
DEFAULT_PUBLICITY_DAYS = 7
MIN_PUBLICITY_DAYS, MAX_PUBLICITY_DAYS = 1, 60


class VotingBody(LabelledEnum):
    """The three voting bodies; each needs two-thirds of all its members."""

    GENERAL_ASSEMBLY = "general_assembly", "集体经济组织成员大会"
    VILLAGERS_MEETING = "villagers_meeting", "村民会议"
    VILLAGERS_REPRESENTATIVES = "villagers_representatives", "村民代表会议"


BODY_LABELS = {b: b.label for b in VotingBody}


class TallyError(ValueError):
    """A tally that cannot be right (more votes than members, empty body)."""


@dataclass(frozen=True)
class Tally:
    body_size: int
    in_favour: int
    against: int = 0
    abstaining: int = 0

    def check(self) -> None:
        if self.body_size <= 0:
            raise TallyError(_("表决机构人数应大于0"))
        if min(self.in_favour, self.against, self.abstaining) < 0:
            raise TallyError(_("票数不能为负数"))
        cast = self.in_favour + self.against + self.abstaining
        if cast > self.body_size:
            raise TallyError(
                _(
                    "赞成、反对、弃权合计%(cast)s票，超过表决机构总人数%(size)s人",
                    cast=cast,
                    size=self.body_size,
                )
            )


def passes(in_favour: int, body_size: int) -> bool:
    """Two-thirds of the *whole* body, inclusive ("三分之二以上"), in integers.

    100 → 66 fails, 67 passes; 3 → 2 passes; 9 → 6 passes, 5 fails.
    """
    return 3 * in_favour >= 2 * body_size


def votes_needed(body_size: int) -> int:
    """The smallest number in favour that passes."""
    return (2 * body_size + 2) // 3


def decide_tally(tally: Tally) -> bool:
    """Check the tally (raises TallyError) and return whether the applicant passes."""
    tally.check()
    return passes(tally.in_favour, tally.body_size)


def publicity_end(start: date, days: int = DEFAULT_PUBLICITY_DAYS) -> date:
    """Last day of a publicity period of `days` calendar days starting on `start`."""
    if days < 1:
        raise ValueError(_("公示期至少1天"))
    return start + timedelta(days=days - 1)


def crosses_collectives(facts: FactsLike) -> bool:
    """Origin and destination are different collective organizations (different villages)."""
    household = CaseFacts.of(facts).household
    return bool(household.origin_code) and household.origin_code != household.destination_code


def needs_membership_case(ctx: Context) -> tuple[bool, str]:
    if not crosses_collectives(ctx.facts):
        return False, _("未跨集体经济组织搬迁，无需确认成员身份")
    if ctx.facts.person.destination_collective_member:
        return False, _("已是迁入地集体经济组织成员")
    if ctx.in_progress(NAME):
        return False, _("已有正在办理的成员身份确认事项")
    if not ctx.facts.person.collective_member:
        return False, _("非迁出地集体经济组织成员")
    return True, _("跨集体经济组织搬迁：可书面申请迁入地成员身份，或保留迁出地成员身份")


# --- rules behind the actions ---------------------------------------------------------
def _validate_publish(ctx: Context) -> dict[str, str]:
    """1 to 60 days, no silent default; a start before today (a list already posted on
    the village board) needs its reason, which the 公示 and the timeline show."""
    errors: dict[str, str] = {}
    days = ctx.data.get("publicity_days")
    if days is None or not MIN_PUBLICITY_DAYS <= days <= MAX_PUBLICITY_DAYS:
        errors["publicity_days"] = _("公示期应为1至60天")
    start = date.fromisoformat(ctx.data["publicity_starts_on"])
    if start < ctx.today and not ctx.data.get("backdate_reason"):
        errors["backdate_reason"] = _("公示开始日期早于今天，须说明原因（如已在村务公开栏张贴）")
    return errors


def publicity_due(case_data: Mapping[str, Any]) -> date | None:
    """The 公示 step is due on the recorded last day of the publicity period."""
    ends = case_data.get("publicity_ends_on")
    return date.fromisoformat(ends) if isinstance(ends, str) else None


def _validate_objection(ctx: Context) -> dict[str, str]:
    raised = date.fromisoformat(ctx.data["raised_on"])
    start = ctx.case_data.get("publicity_starts_on")
    if raised > ctx.today:
        return {"raised_on": _("提出日期不能晚于今天")}
    if isinstance(start, str) and raised < date.fromisoformat(start):
        return {"raised_on": _("异议应在公示期内提出，提出日期早于公示开始日期")}
    return {}


def _record_publish(ctx: Context) -> dict[str, Any]:
    start = date.fromisoformat(ctx.data["publicity_starts_on"])
    days = ctx.data["publicity_days"]
    return {
        **ctx.given,
        "publicity_days": days,
        "publicity_ends_on": publicity_end(start, days).isoformat(),
    }


def publicity_over(ctx: Context) -> bool:
    ends = ctx.case_data.get("publicity_ends_on")
    return isinstance(ends, str) and ctx.today > date.fromisoformat(ends)


def _tally(ctx: Context) -> Tally:
    return Tally(
        body_size=ctx.data["body_size"],
        in_favour=ctx.data["in_favour"],
        against=ctx.data.get("against") or 0,
        abstaining=ctx.data.get("abstaining") or 0,
    )


def _validate_vote(ctx: Context) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        _tally(ctx).check()
    except TallyError as e:
        errors["in_favour"] = str(e)
    voted = date.fromisoformat(ctx.data["voted_on"])
    if voted > ctx.today:
        errors["voted_on"] = _("表决日期不能晚于今天")
    ends = ctx.case_data.get("publicity_ends_on")
    if ends and (early := vote_date_error(voted, date.fromisoformat(ends))):
        errors["voted_on"] = early
    return errors


def vote_date_error(voted_on: date, publicity_ends_on: date) -> str | None:
    """A vote is held after the publicity period, never on one of its days: the one
    refusal of a vote session and of a single case's vote."""
    if voted_on <= publicity_ends_on:
        return _("公示期满后方可表决")
    return None


def _vote_passes(ctx: Context) -> bool:
    return passes(ctx.data["in_favour"], ctx.data["body_size"])


def _record_vote(ctx: Context) -> dict[str, Any]:
    ok = _vote_passes(ctx)
    record = ctx.given
    record["votes_needed"] = votes_needed(ctx.data["body_size"])
    record["vote_result"] = "通过" if ok else "未通过"
    if ok:
        # The origin membership ends on the date the new one begins.
        record["membership_from"] = ctx.data["voted_on"]
        if ctx.facts.person.collective_member:
            record["origin_membership_ended_on"] = ctx.data["voted_on"]
    return record


def _confirmed_facts(ctx: Context) -> dict[str, Any]:
    if not _vote_passes(ctx):
        return {}
    facts: dict[str, Any] = {
        "destination_collective_member": True,
        "destination_membership_from": ctx.data["voted_on"],
    }
    if ctx.facts.person.collective_member:
        facts["origin_membership_ended_on"] = ctx.data["voted_on"]
    return facts


def coverage(final_state: str, ctx: Context) -> Coverage:
    """Membership is never lost in between: the origin ends the day the new one begins."""
    origin = ctx.facts.household.origin_name or "迁出地"
    if final_state == "confirmed":
        since = ctx.case_data.get("membership_from")
        if not since:
            return Coverage("", _("确认成员身份须记录取得新成员身份的日期"))
        ended = ctx.case_data.get("origin_membership_ended_on")
        if ended and ended != since:
            return Coverage("", _("原集体经济组织成员身份应自取得新成员身份之日起丧失"))
        tail = f"，{origin}集体经济组织成员身份同日终止" if ended else ""
        return Coverage(
            f"自{since}起为{ctx.facts.household.destination_name or '迁入地'}集体经济组织成员{tail}"
        )
    if ctx.facts.person.collective_member:
        return Coverage(f"保留{origin}集体经济组织成员身份及相关权益")
    return Coverage("原非集体经济组织成员，成员身份状况不变")


BODY_CHOICES = [(b.value, b.label) for b in VotingBody]
VOTE_FIELDS = (
    Field("body", "表决机构", "choice", choices=BODY_CHOICES),
    Field(
        "body_size",
        "表决机构总人数",
        "int",
        help="成员大会全体成员、村民会议全体成员或全体村民代表的人数",
    ),
    Field("in_favour", "赞成票", "int"),
    Field("against", "反对票", "int", required=False),
    Field("abstaining", "弃权票", "int", required=False),
    Field("voted_on", "表决日期", "date", default=today),
)

PROCEDURE = Procedure(
    name=NAME,
    label="集体经济组织成员身份确认",
    description="跨集体经济组织搬迁群众自愿书面申请，公示无异议后经三分之二以上成员（代表）同意确认。",
    initial="application",
    applies=needs_membership_case,
    coverage=coverage,
    data_labels={
        "publicity_ends_on": "公示截止日期",
        "votes_needed": "通过所需赞成票",
        "vote_result": "表决结果",
        "membership_from": "取得新成员身份日期",
        "origin_membership_ended_on": "原成员身份终止日期",
        "notice_no": "公示编号",
    },
    states=[
        step("application", "书面申请待公示", Role.COLLECTIVE_ORG, "destination", Limit(10)),
        step(
            "publicity",
            "公示中（期满后表决）",
            Role.COLLECTIVE_ORG,
            "destination",
            Limit(DEFAULT_PUBLICITY_DAYS, LimitUnit.CALENDAR_DAYS),
            publicity_due,
        ),
        step("objection", "异议处理", Role.COLLECTIVE_ORG, "destination", Limit(10)),
        end("confirmed", "已确认成员身份", "取得迁入地成员身份"),
        end("rejected", "未获通过", "未取得迁入地成员身份"),
        end("kept_origin", "保留原成员身份", "自愿保留迁出地成员身份"),
    ],
    actions=[
        Action(
            "publish",
            "application",
            "publicity",
            "公示申请人名单",
            fields=(
                Field("applied_on", "书面申请日期", "date"),
                Field(
                    "publicity_starts_on",
                    "公示开始日期",
                    "date",
                    default=today,
                ),
                Field(
                    "publicity_days",
                    "公示天数（自然日）",
                    "int",
                    default=lambda ctx: DEFAULT_PUBLICITY_DAYS,
                ),
                Field(
                    "backdate_reason",
                    "公示开始日期早于今天的原因",
                    required=False,
                    max_length=200,
                ),
                Field("notice_no", "公示编号", required=False, max_length=40),
            ),
            validate=_validate_publish,
            record=_record_publish,
        ),
        Action(
            "keep_origin",
            "application",
            "kept_origin",
            "本人选择保留原成员身份",
            fields=(Field("note", "说明", "textarea", required=False, max_length=500),),
            style="secondary",
            confirm="确认该群众自愿保留迁出地集体经济组织成员身份？",
        ),
        Action(
            "object",
            "publicity",
            "objection",
            "登记异议",
            fields=(
                Field("objection", "异议内容", "textarea", max_length=1000),
                Field("objector", "异议人", max_length=40),
                Field("raised_on", "提出日期", "date", default=today),
            ),
            validate=_validate_objection,
            style="warning",
        ),
        Action(
            "dismiss",
            "objection",
            "publicity",
            "异议不成立，继续公示",
            fields=(Field("resolution", "处理意见", "textarea", max_length=1000),),
        ),
        Action(
            "uphold",
            "objection",
            "rejected",
            "异议成立，不予确认",
            fields=(Field("resolution", "处理意见", "textarea", max_length=1000),),
            style="danger",
        ),
        Action(
            "record_vote",
            "publicity",
            "rejected",
            "登记表决结果",
            fields=VOTE_FIELDS,
            validate=_validate_vote,
            record=_record_vote,
            person_facts=_confirmed_facts,
            branches=(Branch(_vote_passes, "confirmed"),),
            when=(Guard(publicity_over, N_("公示期满后方可表决")),),
        ),
    ],
)

__all__ = [
    "PROCEDURE",
    "Tally",
    "TallyError",
    "VotingBody",
    "decide_tally",
    "passes",
    "publicity_end",
    "vote_date_error",
    "votes_needed",
]
