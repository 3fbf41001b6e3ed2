"""Cases per operation: a setup that makes the input, and the one outcome every door must
give. Shaped like real offices: the clerk is village staff of 幸福社区 (城关镇, 渑池县);
households move from 段村村 (段村乡); another household moved from 宫前村 (宫前乡,
陕州区) to 英豪新村 (英豪镇), outside the clerk's village and township.

An accepted write's outcome is its effect on the database summary (tests/doors/world.py):
the rows added and gone, per table, by key fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tests.conftest import make_id
from tests.doors.world import DEST, FAR_ORIGIN, ORIGIN, OTHER_VILLAGE, Outcome, World
from transfers.households.models import Household


@dataclass(frozen=True)
class Case:
    operation: str
    name: str
    setup: Callable[[World], dict[str, Any]]
    expected: Outcome
    # Doors left out of this case, each with the reason (None: every door of the operation).
    skip: dict[str, str] | None = None
    # Known differences between doors, per door: pytest marks (xfail strict, with reason).
    marks: dict[str, Any] = field(default_factory=dict)

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
    members: list[tuple[str, str, str, str]], destination: str = DEST
) -> dict[str, Any]:
    return {
        "actor": "clerk",
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
        "destination-not-the-clerks-village",
        foreign_destination,
        refused("请选择本村（社区）作为迁入地"),
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
]

CASES = [*REGISTER, *INTAKE]
