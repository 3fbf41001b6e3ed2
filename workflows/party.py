"""Party organizational relation (党组织关系转接).

三脱钩 — residence, hukou and collective membership all detached from the origin — is
derived from the household's facts, the hukou case and the collective-membership case,
never typed. With it the relation must move; without it the member's wish is recorded:
move, or 一方隶属、参加多重组织生活. Chain: origin party organization (situation, wish,
work ledger) → township party committee (studies, proposes) → county organization
department (approves) → carried out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflows.base import (
    Action,
    Branch,
    Context,
    Coverage,
    Field,
    Guard,
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
from workflows.hukou import hukou_status
from workflows.i18n import gettext as _
from workflows.labels import LabelledEnum
from workflows.roles import Role

NAME = "party"
MEMBER_STATUSES = ("full", "probationary")


class Wish(LabelledEnum):
    MOVE = "move", "将组织关系转入迁入地党组织"
    DUAL = "dual", "一方隶属、参加多重组织生活（组织关系暂留迁出地）"


@dataclass(frozen=True)
class Decoupling:
    """The three decouplings; `complete` only when all three hold."""

    residence: bool
    hukou: bool
    collective: bool

    @property
    def complete(self) -> bool:
        return self.residence and self.hukou and self.collective

    @property
    def summary(self) -> str:
        parts = [
            ("居住地", self.residence),
            ("户籍", self.hukou),
            ("集体经济组织身份", self.collective),
        ]
        text = "、".join(f"{name}{'已' if ok else '未'}脱钩" for name, ok in parts)
        return ("已“三脱钩”：" if self.complete else "尚未“三脱钩”：") + text

    @property
    def localized(self) -> str:
        """The summary in the interface language (the stored `summary` stays Chinese)."""
        parts = [
            (_("居住地"), self.residence),
            (_("户籍"), self.hukou),
            (_("集体经济组织身份"), self.collective),
        ]
        text = _("、").join(
            _("%(what)s已脱钩", what=name) if ok else _("%(what)s未脱钩", what=name)
            for name, ok in parts
        )
        if self.complete:
            return _("已“三脱钩”：%(detail)s", detail=text)
        return _("尚未“三脱钩”：%(detail)s", detail=text)


def three_decouplings(
    facts: FactsLike, related: Mapping[str, RelatedCase] | None = None
) -> Decoupling:
    """Derive 三脱钩 from residence, the hukou case and the collective-membership case.

    - residence: the household actually lives at the destination;
    - hukou: the hukou case completed (or the person's facts say the hukou moved);
    - collective: the person holds no origin membership, or it ended when the
      destination membership was confirmed.
    """
    related = related or {}
    known = CaseFacts.of(facts)
    person = known.person
    residence = known.household.lives_at_destination
    hukou = hukou_status(known, related.get("hukou")) == "moved"
    member_case = related.get("collective_membership")
    collective = (
        not person.collective_member
        or bool(person.origin_membership_ended_on)
        or (member_case is not None and member_case.outcome == "confirmed")
    )
    return Decoupling(residence, hukou, collective)


def is_party_member(facts: FactsLike) -> bool:
    return CaseFacts.of(facts).person.party_status in MEMBER_STATUSES


def needs_party_case(ctx: Context) -> tuple[bool, str]:
    if not is_party_member(ctx.facts):
        return False, _("非中共党员")
    if ctx.facts.person.party_relation_moved:
        return False, _("组织关系已转入迁入地党组织")
    if ctx.in_progress(NAME):
        return False, _("已有正在办理的党组织关系转接事项")
    d = three_decouplings(ctx.facts, ctx.related)
    if d.complete:
        return True, _("%(summary)s，组织关系应当转入迁入地党组织", summary=d.localized)
    return True, _(
        "%(summary)s，听取本人意愿：转入迁入地或一方隶属、参加多重组织生活",
        summary=d.localized,
    )


def wish_offers(ctx: Context) -> list[Offer]:
    """With 三脱钩 the relation must move; otherwise both wishes are open."""
    must_move = three_decouplings(ctx.facts, ctx.related).complete
    refusal = _("该党员已“三脱钩”，组织关系应当转入迁入地党组织") if must_move else ""
    return [
        Offer(Wish.MOVE.value, Wish.MOVE.label),
        Offer(Wish.DUAL.value, Wish.DUAL.label, refusal),
    ]


def voting_rights(facts: FactsLike, party_case: RelatedCase | None) -> str:
    """Until transferred, vote and stand in the origin branch."""
    known = CaseFacts.of(facts)
    if not is_party_member(known):
        return ""
    if known.person.party_relation_moved or (
        party_case is not None and party_case.outcome == "transferred"
    ):
        return _("组织关系已转入迁入地党组织，在迁入地党组织行使选举权、被选举权和表决权")
    origin = known.household.origin_name or "迁出地"
    return _(
        "组织关系尚未转接：选举权、被选举权、表决权在%(origin)s党组织行使；"
        "日常学习、教育和管理由安置点党组织负责",
        origin=origin,
    )


def _record_situation(ctx: Context) -> dict[str, Any]:
    d = three_decouplings(ctx.facts, ctx.related)
    return {
        **ctx.given,
        "decoupling": d.summary,
        "decoupled": d.complete,
    }


def _wants_move(ctx: Context) -> bool:
    return ctx.case_data.get("wish") == Wish.MOVE


def _now_decoupled(ctx: Context) -> bool:
    """A dual arrangement in progress must become a move once 三脱钩 holds."""
    return (
        ctx.case_data.get("wish") == Wish.DUAL
        and three_decouplings(ctx.facts, ctx.related).complete
    )


def _record_decoupled(ctx: Context) -> dict[str, Any]:
    d = three_decouplings(ctx.facts, ctx.related)
    return {"decoupling": d.summary, "decoupled": True}


def _moved(ctx: Context) -> dict[str, Any]:
    return {
        "party_relation_moved": True,
        "party_organization": ctx.data["receiving_organization"],
        "party_relation_moved_on": ctx.data["received_on"],
    }


def coverage(final_state: str, ctx: Context) -> Coverage:
    """A member always belongs to exactly one organization; never to none."""
    if final_state == "transferred":
        org = ctx.case_data.get("receiving_organization")
        if not org:
            return Coverage("", _("须填写接收党组织名称"))
        return Coverage(f"组织关系隶属{org}")
    origin_org = (
        ctx.case_data.get("origin_organization") or f"{ctx.facts.household.origin_name}党组织"
    )
    life = ctx.case_data.get("life_organization")
    if not life:
        return Coverage("", _("须填写参加组织生活的党组织"))
    return Coverage(f"组织关系隶属{origin_org}，在{life}参加组织生活")


PROCEDURE = Procedure(
    name=NAME,
    label="党组织关系转接",
    description="已“三脱钩”的党员组织关系转入迁入地党组织；未“三脱钩”的听取本人意见。",
    initial="origin_record",
    depends_on=("hukou", "collective_membership"),
    applies=needs_party_case,
    coverage=coverage,
    dependency_status=lambda ctx: three_decouplings(ctx.facts, ctx.related).summary,
    data_labels={"decoupling": "三脱钩情况", "decoupled": "已三脱钩"},
    states=[
        step("origin_record", "迁出地党组织摸底登记", Role.ORIGIN_PARTY_ORG, "origin", Limit(10)),
        step("township_review", "乡镇党委研判", Role.TOWNSHIP_PARTY_COMMITTEE, "origin", Limit(10)),
        step("county_approval", "区县委组织部审核", Role.COUNTY_ORG_DEPT, "origin", Limit(10)),
        step("receiving", "迁入地党组织接收", Role.ORIGIN_PARTY_ORG, "destination", Limit(10)),
        step("arranging", "安排多重组织生活", Role.ORIGIN_PARTY_ORG, "origin", Limit(10)),
        end("transferred", "已转入迁入地党组织", "组织关系已转接"),
        end("dual_affiliation", "一方隶属、多重组织生活", "组织关系暂留迁出地，就近参加组织生活"),
    ],
    actions=[
        Action(
            "record",
            "origin_record",
            "township_review",
            "登记情况和本人意愿，报乡镇党委",
            fields=(
                Field("wish", "本人意愿", "choice", offers=wish_offers),
                Field("origin_organization", "所在党组织", max_length=80),
                Field("ledger_no", "工作台账编号", max_length=40),
                Field(
                    "situation",
                    "安置方式、居住地等情况",
                    "textarea",
                    required=False,
                    max_length=500,
                ),
            ),
            record=_record_situation,
        ),
        Action(
            "propose",
            "township_review",
            "county_approval",
            "研判提出工作建议，报区县委组织部",
            fields=(Field("proposal", "工作建议", "textarea", max_length=1000),),
        ),
        send_back("township_review", "origin_record", "退回重新登记"),
        Action(
            "approve",
            "county_approval",
            "arranging",
            "审核同意",
            fields=(Field("opinion", "审核意见", "textarea", max_length=1000),),
            branches=(Branch(_wants_move, "receiving"),),
        ),
        send_back("county_approval", "township_review", "退回乡镇党委"),
        Action(
            "receive",
            "receiving",
            "transferred",
            "办结：接收组织关系",
            fields=(
                Field("receiving_organization", "接收党组织", max_length=80),
                Field("received_on", "接收日期", "date", default=today),
                Field("letter_no", "组织关系介绍信编号", required=False, max_length=40),
            ),
            person_facts=_moved,
        ),
        Action(
            "arrange",
            "arranging",
            "dual_affiliation",
            "办结：安排参加组织生活",
            fields=(
                Field("life_organization", "参加组织生活的党组织", max_length=80),
                Field("arranged_on", "安排日期", "date", default=today),
            ),
        ),
        # Dependency re-evaluation: 三脱钩 now holds, so a dual arrangement must become a move.
        *[
            Action(
                "decoupled",
                source,
                "origin_record",
                "已“三脱钩”，应转入迁入地党组织",
                system=True,
                when=(Guard(_now_decoupled),),
                record=_record_decoupled,
            )
            for source in ("township_review", "county_approval", "arranging")
        ],
    ],
)
