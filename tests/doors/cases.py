"""Cases per operation: a setup that makes the input, and the one outcome every door must
give. Shaped like real offices: the clerk is village staff of 幸福社区 (城关镇, 渑池县);
households move from 段村村 (段村乡); another household moved from 宫前村 (宫前乡,
陕州区) to 英豪新村 (英豪镇), outside the clerk's village and township.

An accepted write's outcome is its effect on the database summary (tests/doors/world.py):
the rows added and gone, per table, by key fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tests.conftest import NOW, make_id
from tests.doors.world import DEST, FAR_ORIGIN, ORIGIN, OTHER_VILLAGE, Outcome, World
from transfers.cases.services import open_intake
from transfers.db import utcnow
from transfers.engine import act, claim
from transfers.households.models import Household
from transfers.votes.services import publish_session
from workflows.calendar import local_date


@dataclass(frozen=True)
class Case:
    operation: str
    name: str
    setup: Callable[[World], dict[str, Any]]
    expected: Outcome
    # Doors left out of this case, each with the reason (None: every door of the operation).
    skip: dict[str, str] | None = None

    @property
    def id(self) -> str:
        return f"{self.operation}-{self.name}"


def added(**tables: list[tuple[Any, ...]]) -> Outcome:
    return ("accepted", {t: {"added": rows, "gone": []} for t, rows in tables.items()})


def refused(reason: str) -> Outcome:
    return ("refused", reason)


SYSTEM_SEES_ALL = "the command line registers as the system, for every village"

# --- register a household ---------------------------------------------------------------
NEW_ID = make_id(birth=date(1986, 4, 12), seq=41, sex="F")


def elsewhere(w: World) -> Household:
    """宫前村 -> 英豪新村: another county's village moving to another township."""
    return w.make_household(
        origin=FAR_ORIGIN, destination=OTHER_VILLAGE, settlement_mode="scattered", area="411203"
    )


def registration(
    members: list[tuple[str, str, str, str]], destination: str = DEST, actor: str = "clerk"
) -> dict[str, Any]:
    return {
        "actor": actor,
        "origin": ORIGIN,
        "destination": destination,
        "mode": "scattered",
        "members": members,
    }


def new_household(w: World) -> dict[str, Any]:
    return registration([("侯婷珍", NEW_ID, "户主", "dibao_rural")])


def duplicate_elsewhere(w: World) -> dict[str, Any]:
    taken = elsewhere(w).members[1].id_number
    return registration([("侯婷珍", NEW_ID, "户主", "none"), ("侯小军", taken, "子", "none")])


def foreign_destination(w: World) -> dict[str, Any]:
    return registration([("侯婷珍", NEW_ID, "户主", "none")], destination=OTHER_VILLAGE)


def bad_check_digit(w: World) -> dict[str, Any]:
    wrong = NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")
    return registration([("侯婷珍", wrong, "户主", "none")])


def duplicate_in_village(w: World) -> dict[str, Any]:
    taken = w.make_household().members[0].id_number  # 王建国, of the clerk's village
    return registration([("侯婷珍", NEW_ID, "户主", "none"), ("侯小军", taken, "子", "none")])


SON_ID = make_id(birth=date(2010, 6, 1), seq=43)


def two_heads(w: World) -> dict[str, Any]:
    return registration([("侯婷珍", NEW_ID, "户主", "none"), ("侯小军", SON_ID, "户主", "none")])


def no_head(w: World) -> dict[str, Any]:
    return registration([("侯婷珍", NEW_ID, "配偶", "none")])


def one_person_twice(w: World) -> dict[str, Any]:
    return registration([("侯婷珍", NEW_ID, "户主", "none"), ("侯婷珍", NEW_ID, "配偶", "none")])


def by_the_police(w: World) -> dict[str, Any]:
    return registration([("侯婷珍", NEW_ID, "户主", "none")], actor="police")


REGISTER = [
    Case(
        "register_household",
        "new",
        new_household,
        added(
            households=[(ORIGIN, DEST, "scattered", 1)],
            persons=[("侯婷珍", NEW_ID, "户主", "dibao_rural", False)],
            household_events=[("registered",)],
        ),
    ),
    Case(
        "register_household",
        "id-registered-in-another-township",
        duplicate_elsewhere,
        refused("该身份证号码已在其他搬迁户登记"),  # never the holder's name
        skip={"cli": SYSTEM_SEES_ALL},
    ),
    Case(
        "register_household",
        "id-registered-in-the-clerks-village",
        duplicate_in_village,
        refused("该身份证号码已登记在王建国名下，不能重复登记"),
    ),
    Case(
        "register_household",
        "two-heads",
        two_heads,
        refused("该户登记了多位户主，每户须有且只有一位户主"),
    ),
    Case(
        "register_household",
        "no-head",
        no_head,
        refused("该户缺少户主：每户须有且只有一位户主"),
    ),
    Case(
        "register_household",
        "one-person-twice",
        one_person_twice,
        refused("与第1位成员的身份证号码重复"),
    ),
    Case(
        "register_household",
        "destination-not-the-clerks-village",
        foreign_destination,
        refused("请选择本村（社区）作为迁入地"),
        skip={"cli": SYSTEM_SEES_ALL},
    ),
    Case(
        "register_household",
        "not-village-staff",
        by_the_police,
        refused("HTTP 403"),
        skip={"cli": SYSTEM_SEES_ALL},
    ),
    Case(
        "register_household",
        "bad-check-digit",
        bad_check_digit,
        refused("身份证号码校验位不正确，请核对后重新输入"),
    ),
]


# --- open an intake ---------------------------------------------------------------------
def intake_of(
    procedure: str, member: bool = True, **household: Any
) -> Callable[[World], dict[str, Any]]:
    def setup(w: World) -> dict[str, Any]:
        hh = w.make_household(**household)
        head = hh.members[0]
        if not member:
            head.collective_member = False
            w.db.session.commit()
        return {
            "actor": "clerk",
            "household_id": hh.id,
            "person_id": head.id,
            "procedure": procedure,
        }

    return setup


def intake_elsewhere(w: World) -> dict[str, Any]:
    hh = elsewhere(w)
    return {
        "actor": "clerk",
        "household_id": hh.id,
        "person_id": hh.members[0].id,
        "procedure": "hukou",
    }


def person_of_another_household(w: World) -> dict[str, Any]:
    """The clerk's household, and a person of 英豪新村's household (outside the clerk's
    area) slipped into the request."""
    hh = w.make_household()
    return {**intake_elsewhere(w), "household_id": hh.id}


def not_applicable(procedure: str, reason: str) -> Outcome:
    """The domain's sentence: the member, the procedure's name, the rule's reason."""
    return refused(f"王建国不能受理{procedure}：{reason}")


MEMBERSHIP = "集体经济组织成员身份确认"

INTAKE = [
    Case(
        "open_intake",
        "hukou",
        intake_of("hukou"),
        added(
            intakes=[(1,)],
            cases=[("hukou", "application", None, "王建国", 2)],
            events=[("hukou", "opened", "", None, "application")],
            tasks=[("hukou", "application", DEST, "", False, None)],
        ),
    ),
    Case(
        "open_intake",
        "party-for-a-non-member",
        intake_of("party"),
        not_applicable("党组织关系转接", "非中共党员"),
    ),
    Case(
        "open_intake",
        "assistance-without-dibao-or-tekun",
        intake_of("assistance"),
        not_applicable("社会救助关系转接", "非低保、特困救助对象"),
    ),
    Case(
        "open_intake",
        "membership-within-one-collective",
        intake_of("collective_membership", origin=DEST, destination=DEST),
        not_applicable(MEMBERSHIP, "未跨集体经济组织搬迁，无需确认成员身份"),
    ),
    Case(
        "open_intake",
        "membership-for-a-non-member",
        intake_of("collective_membership", member=False),
        not_applicable(MEMBERSHIP, "非迁出地集体经济组织成员"),
    ),
    Case("open_intake", "household-of-another-township", intake_elsewhere, refused("HTTP 403")),
    Case(
        "open_intake",
        "a-person-of-another-household",
        person_of_another_household,
        refused("该人员不是本户成员"),
    ),
]


# --- act on a task, claim and release ---------------------------------------------------
def hukou_case(w: World) -> int:
    """A hukou case of 王建国 (段村村 -> 幸福社区 集中安置), waiting on the clerk's village."""
    hh = w.make_household()
    intake = open_intake(
        household=hh, requests=[(hh.members[0], "hukou")], actor=w.user("clerk"), now=NOW
    )
    w.db.session.commit()
    return intake.cases[0].id


HUKOU_OPEN = ("hukou", "application", None, "王建国", 2)
AT_VILLAGE = ("hukou", "application", DEST, "", False, None)  # open, nobody on it
CLERK = "village_staff_411221100201_1"  # the clerk: the first office a setup uses


def changed(**tables: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]) -> Outcome:
    """Rows gone and rows added, per table (a changed row is both)."""
    return (
        "accepted",
        {t: {"added": sorted(new, key=repr), "gone": old} for t, (old, new) in tables.items()},
    )


SITE_ADDRESS = {"option": "site_address", "building": "3", "unit": "2", "door": "501"}


def submit(
    data: dict[str, str], actor: str = "clerk", stale: bool = False, taken: bool = False
) -> Callable[[World], dict[str, Any]]:
    """The clerk's submit form; meanwhile a colleague submitted it and the police station
    returned it, so the same step is open again on a newer version (`stale`), or a
    colleague claimed the task and is on it (`taken`). A claim alone moves no version."""

    def setup(w: World) -> dict[str, Any]:
        case_id = hukou_case(w)
        version = w.case(case_id).version
        if stale:
            for trigger, who, form in (
                ("submit", "colleague", data),
                ("return", "police", {"reason": "户口簿复印件不清晰"}),
            ):
                act(
                    case_id=case_id,
                    action=trigger,
                    actor=w.user(who),
                    seen_version=None,
                    data=form,
                    now=utcnow(),
                )
            w.db.session.commit()
        if taken:
            claim(task_id=w.open_task(case_id).id, actor=w.user("colleague"), now=utcnow())
            w.db.session.commit()
        return {
            "actor": actor,
            "case_id": case_id,
            "trigger": "submit",
            "version": version,
            "data": data,
        }

    return setup


def task_of_hukou(
    claimed_by: str | None = None, actor: str = "clerk"
) -> Callable[[World], dict[str, Any]]:
    def setup(w: World) -> dict[str, Any]:
        task_id = w.open_task(hukou_case(w)).id
        if claimed_by:
            claim(task_id=task_id, actor=w.user(claimed_by), now=utcnow())
            w.db.session.commit()
        return {"actor": actor, "task_id": task_id}

    return setup


ACT = [
    Case(
        "act",
        "submit-to-the-police-station",
        submit(SITE_ADDRESS),
        changed(
            cases=([HUKOU_OPEN], [("hukou", "police_review", None, "王建国", 3)]),
            events=([], [("hukou", "transition", "submit", "application", "police_review")]),
            tasks=(
                [AT_VILLAGE],
                [
                    ("hukou", "application", DEST, "", True, "submit"),
                    ("hukou", "police_review", "411221100", "", False, None),
                ],
            ),
        ),
    ),
    Case(
        "act",
        "site-address-without-a-door-number",
        submit({"option": "site_address", "building": "3", "unit": "2"}),
        refused("选择安置点门楼牌号落户时须填写门牌号"),
    ),
    Case(
        "act",
        "stale-version",
        submit(SITE_ADDRESS, stale=True),
        refused("该事项已由他人办理或更新，请刷新页面后查看最新状态"),
    ),
    Case(
        "act",
        "claimed-by-a-colleague-meanwhile",
        submit(SITE_ADDRESS, taken=True),
        refused("HTTP 403"),  # the form is read after the claim: no longer the clerk's
    ),
    Case(
        "act",
        "a-task-of-another-office",
        submit(SITE_ADDRESS, actor="yinghao_police"),
        refused("HTTP 403"),
    ),
]

CLAIM = [
    Case(
        "claim",
        "free-task",
        task_of_hukou(),
        changed(  # a claim is an event, not a transition: the case's version stays
            events=([], [("hukou", "claimed", "", None, None)]),
            tasks=([AT_VILLAGE], [AT_VILLAGE[:3] + (CLERK, False, None)]),
        ),
    ),
    Case(
        "claim",
        "claimed-by-a-colleague",
        task_of_hukou(claimed_by="colleague"),
        refused("该待办已被他人认领或已办结"),
    ),
    Case(
        "claim",
        "a-task-of-another-office",
        task_of_hukou(actor="yinghao_clerk"),
        refused("HTTP 403"),
    ),
    Case(
        "release",
        "own-claim",
        task_of_hukou(claimed_by="clerk"),
        changed(  # the case's version stays, as for a claim
            events=([], [("hukou", "released", "", None, None)]),
            tasks=([AT_VILLAGE[:3] + (CLERK, False, None)], [AT_VILLAGE]),
        ),
    ),
    Case(
        "release",
        "a-colleagues-claim",
        task_of_hukou(claimed_by="colleague"),
        refused("HTTP 403"),
    ),
]


# --- record a vote -------------------------------------------------------------------------
def published(
    tally: tuple[int, int, int], voted_days_ago: int = 0, started_days_ago: int = 10
) -> Callable[[World], dict[str, Any]]:
    """王建国 (段村村 -> 幸福社区) asks for membership; the collective organisation of
    幸福社区 published the list ten days ago (7 days, recorded late with its reason)
    before nine villagers' representatives."""

    def setup(w: World) -> dict[str, Any]:
        hh = w.make_household(members=1)
        org = w.user("collective_org")
        intake = open_intake(
            household=hh,
            requests=[(hh.members[0], "collective_membership")],
            actor=w.user("clerk"),
            now=NOW,
        )
        today = local_date(utcnow())
        session = publish_session(
            village=w.geo[DEST],
            cases=intake.cases,
            body="villagers_representatives",
            body_size=9,
            starts_on=today - timedelta(days=started_days_ago),
            days=7,
            backdate_reason="已于十日前在村务公开栏张贴，现补录",
            actor=org,
            now=utcnow(),
        )
        w.db.session.commit()
        case = intake.cases[0]
        return {
            "actor": "collective_org",
            "case_id": case.id,
            "version": case.version,
            "session_id": session.id,
            "applicant": "王建国",
            "body": "villagers_representatives",
            "body_size": 9,
            "tally": tally,
            "voted_on": (today - timedelta(days=voted_days_ago)).isoformat(),
        }

    return setup


def decided(state: str) -> Outcome:
    return changed(
        cases=(
            [("collective_membership", "publicity", None, "王建国", 3)],
            [("collective_membership", state, state, "王建国", 4)],
        ),
        events=([], [("collective_membership", "transition", "record_vote", "publicity", state)]),
        tasks=(
            [("collective_membership", "publicity", DEST, "", False, None)],
            [("collective_membership", "publicity", DEST, "", True, "record_vote")],
        ),
    )


PUBLICITY_ENDS = 4  # days ago: ten days ago, plus seven days counted from the first

VOTE = [
    Case("record_vote", "exactly-two-thirds", published((6, 2, 1)), decided("confirmed")),
    Case("record_vote", "one-short-of-two-thirds", published((5, 3, 1)), decided("rejected")),
    Case(
        "record_vote",
        "more-votes-than-representatives",
        published((6, 3, 1)),
        refused("赞成、反对、弃权合计10票，超过表决机构总人数9人"),
    ),
    Case(
        "record_vote",
        "publicity-not-over",
        published((6, 2, 1), started_days_ago=3),
        refused("公示期满后方可表决"),
    ),
    Case(
        "record_vote",
        "voted-on-the-last-day-of-publicity",
        published((6, 2, 1), voted_days_ago=PUBLICITY_ENDS),
        refused("公示期满后方可表决"),
    ),
]


# --- public status lookup ---------------------------------------------------------------
def receipt(
    tail: Callable[[str], str], number: Callable[[str], str] = str
) -> Callable[[World], dict[str, Any]]:
    """The receipt of a hukou case, asked for with an ID tail made from the head's (and
    the receipt number as typed, made from the real one)."""

    def setup(w: World) -> dict[str, Any]:
        case = w.case(hukou_case(w))
        assert case.intake is not None and case.person is not None
        return {
            "receipt_no": number(case.intake.receipt_no),
            "id_tail": tail(case.person.id_number),
        }

    return setup


def wrong_tail(number: str) -> str:
    return "0000" if not number.endswith("0000") else "1111"


FOUND = ("accepted", [("户口迁移", "王*国", "受理登记")])  # 王建国, masked
NO_MATCH = "未查询到办件。请核对办件编号和身份证号码后四位。"
BAD_TAIL = "请输入身份证号码后四位（4位数字，末位可为X）"

LOOKUP = [
    Case("public_status", "receipt-and-tail", receipt(lambda n: n[-4:]), FOUND),
    Case(
        "public_status",
        "tail-with-spaces-and-full-width",
        receipt(lambda n: " " + n[-4:].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})),
        FOUND,
    ),
    Case("public_status", "wrong-tail", receipt(wrong_tail), refused(NO_MATCH)),
    Case("public_status", "blank-tail", receipt(lambda n: ""), refused("请输入身份证号码后四位")),
    Case(
        "public_status",
        "full-width-spaces-for-a-tail",
        receipt(lambda n: "\u3000" * 4),
        refused("请输入身份证号码后四位"),  # blank, whatever kind of space
    ),
    Case("public_status", "three-characters", receipt(lambda n: n[-3:]), refused(BAD_TAIL)),
    Case(
        "public_status",
        "blank-receipt-number",
        receipt(lambda n: n[-4:], number=lambda r: ""),
        refused("请输入办件编号"),
    ),
    Case(
        "public_status",
        "receipt-number-without-dashes",
        receipt(lambda n: n[-4:], number=lambda r: r.replace("-", "")),
        FOUND,
    ),
]


# --- what a user sees -------------------------------------------------------------------
def three_households(actor: str) -> Callable[[World], dict[str, Any]]:
    """段村村 -> 幸福社区 (the clerk's), 段村村 -> 阳光社区 (same township, another
    community), 宫前村 -> 英豪新村 (another township; its origin in 陕州区)."""

    def setup(w: World) -> dict[str, Any]:
        w.make_household(members=1)
        w.make_household(destination="411221100202", settlement_mode="scattered", members=2)
        elsewhere(w)
        return {"actor": actor}

    return setup


# The heads' masked ID numbers of the households made, in order, by `three_households`.
FIRST, SECOND, THIRD = "411221********015X", "411221********0290", "411203********0433"


def seen(*masks: str) -> Outcome:
    return ("accepted", sorted(masks))


VISIBILITY = [
    Case("visible_households", "village-clerk", three_households("clerk"), seen(FIRST)),
    Case(
        "visible_households",
        "township-supervisor",
        three_households("township_supervisor"),
        seen(FIRST, SECOND),
    ),
    Case(
        "visible_households",
        "county-supervisor",
        three_households("county_supervisor"),
        seen(FIRST, SECOND, THIRD),
    ),
    Case(
        "visible_households",
        "another-countys-supervisor",
        three_households("shanzhou_supervisor"),
        seen(THIRD),  # its origin, 宫前村, is in 陕州区
    ),
]


# --- my queue ----------------------------------------------------------------------------
def queue_of(actor: str, submitted: bool = False) -> Callable[[World], dict[str, Any]]:
    """Hukou cases of 幸福社区 (the clerk's) and of 阳光社区 (the same township's other
    community); the first one submitted to the police station of 城关镇 when asked."""

    def setup(w: World) -> dict[str, Any]:
        mine = hukou_case(w)
        other = w.make_household(destination="411221100202", settlement_mode="scattered")
        open_intake(
            household=other,
            requests=[(other.members[0], "hukou")],
            actor=w.user("sunshine_clerk"),
            now=NOW,
        )
        w.db.session.commit()
        if submitted:
            case = w.case(mine)
            act(
                case_id=mine,
                action="submit",
                actor=w.user("clerk"),
                seen_version=case.version,
                data=SITE_ADDRESS,
                now=utcnow(),
            )
            w.db.session.commit()
        return {"actor": actor}

    return setup


APPLICATION = ("户口迁移", "受理登记")

QUEUE = [
    Case("my_queue", "village-clerk", queue_of("clerk"), ("accepted", [APPLICATION])),
    Case(
        "my_queue",
        "police-station-of-the-township",
        queue_of("police", submitted=True),
        ("accepted", [("户口迁移", "派出所审核办理")]),
    ),
    Case(
        "my_queue", "police-of-another-township", queue_of("yinghao_police", True), ("accepted", [])
    ),
]

CASES = [*REGISTER, *INTAKE, *ACT, *VOTE, *CLAIM, *LOOKUP, *VISIBILITY, *QUEUE]
