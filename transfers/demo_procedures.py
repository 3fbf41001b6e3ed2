"""Demo cases of the five procedures besides hukou, moved through the real engine at past
instants (as the hukou demo does), and collective-membership vote sessions."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from transfers.auth.models import RoleGrant, User
from transfers.cases.models import Case
from transfers.cases.services import open_intake
from transfers.engine import act
from transfers.engine.service import household_facts, open_task, person_facts
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.tasks.models import Task
from transfers.votes.services import Tallied, applicants_waiting, publish_session, record_votes
from workflows.base import Context, RelatedCase, WorkflowError
from workflows.calendar import local_date
from workflows.collective_membership import votes_needed
from workflows.registry import get_procedure

OTHER_PROCEDURES = ("party", "collective_membership", "pension", "medical", "assistance")


def _needed(case_household: Household, person: Person, procedure: str, now: datetime) -> bool:
    related = {
        c.procedure: RelatedCase(c.procedure, c.state, c.outcome, dict(c.data or {}))
        for c in db.session.scalars(
            select(Case).where(Case.person_id == person.id).order_by(Case.id)
        )
    }
    ctx = Context(
        facts={**household_facts(case_household), **person_facts(person)},
        related=related,
        today=local_date(now),
    )
    return get_procedure(procedure).applies(ctx)[0]


def _actor_for(task: Task) -> User | None:
    return db.session.scalar(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == task.role, RoleGrant.jurisdiction_id == task.jurisdiction_id)
        .order_by(User.id)
    )


def _plans(rng: random.Random, case: Case, when: datetime) -> dict[str, tuple[str, dict[str, Any]]]:
    """For each waiting state of a demo case: the action taken there and its data."""
    day = when.date()
    month = f"{day.year:04d}-{day.month:02d}"
    next_month = f"{day.year + day.month // 12:04d}-{day.month % 12 + 1:02d}"
    prev_month = f"{day.year - (1 if day.month == 1 else 0):04d}-{(day.month - 2) % 12 + 1:02d}"
    origin = case.household.origin.name
    gap = rng.random() < 0.25
    return {
        # party
        "origin_record": (
            "record",
            {
                "wish": "move" if rng.random() < 0.6 else "dual",
                "origin_organization": f"{origin}党支部",
                "ledger_no": f"TZ-{day.year}-{case.id:04d}",
                "situation": f"{case.household.settlement_label}，已在安置地居住",
            },
        ),
        "township_review": ("propose", {"proposal": "经与党支部研判，同意本人意见"}),
        "county_approval": ("approve", {"opinion": "同意"}),
        "receiving": (
            "receive",
            {
                "receiving_organization": f"{case.household.destination.name}党支部",
                "received_on": day.isoformat(),
                "letter_no": f"介{case.id:05d}",
            },
        ),
        "arranging": (
            "arrange",
            {
                "life_organization": f"{case.household.destination.name}党支部",
                "arranged_on": day.isoformat(),
            },
        ),
        # collective membership (cases not decided in a vote session)
        "application": ("keep_origin", {"note": "本人自愿保留原集体经济组织成员身份"})
        if case.procedure == "collective_membership"
        else ("apply", {"path": "transfer", "applied_on": day.isoformat()}),
        # pension
        "choice": ("choose_transfer", {"applied_online_on": day.isoformat()})
        if rng.random() < 0.6
        else ("choose_keep", {"note": "本人选择在原参保地继续缴费"}),
        "agency": (
            "complete",
            {
                "transferred_on": day.isoformat(),
                "origin_last_paid_year": str(day.year - 1),
                "destination_first_paid_year": str(day.year),
            },
        ),
        # medical
        "wish": (
            "record_wish",
            {"wish": rng.choice(["filing", "transfer", "filing_then_transfer"])},
        ),
        "origin_agency": (
            "handle",
            {
                "filing_no": f"BA{case.id:06d}",
                "origin_covered_until": (day + timedelta(days=30)).isoformat(),
            },
        ),
        "destination_agency": ("enroll", {"covered_from": (day + timedelta(days=31)).isoformat()}),
        "follow_up": (
            "enrolled",
            {
                "insurance": "resident",
                "enrolled_on": day.isoformat(),
                "subsidy_applied": "y",
            },
        ),
        # assistance
        "origin_report": (
            "report",
            {"reported_on": day.isoformat(), "list_no": f"MD{case.id:05d}"},
        ),
        "bureau_issue": (
            "issue",
            {
                "document_no": f"民救迁〔{day.year}〕{case.id}号",
                "issued_on": day.isoformat(),
            },
        ),
        "destination_bureau": ("accept", {"accepted_on": day.isoformat()}),
        "destination_township": (
            "start_payment",
            {
                "last_origin_month": prev_month if gap else month,
                "first_destination_month": next_month,
                "gap_explanation": "迁出地已于上月停发，迁入地次月起发放" if gap else "",
            },
        ),
        "conversion_origin": (
            "convert",
            {"last_rural_month": month, "first_urban_month": next_month},
        ),
        "conversion_destination": (
            "convert",
            {"last_rural_month": month, "first_urban_month": next_month},
        ),
    }


def _advance(rng: random.Random, case: Case, start: datetime, base: datetime) -> None:
    """Move a case through its plan at past instants until it stops (like real work does)."""
    when = start
    for _ in range(8):
        if case.is_closed or rng.random() < 0.22:
            return
        task = open_task(case)
        if task is None:
            return
        when += timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 5))
        if when > base:
            return
        actor = _actor_for(task)
        plan = _plans(rng, case, when).get(case.state)
        if actor is None or plan is None:
            return
        try:
            act(
                case_id=case.id,
                action=plan[0],
                actor=actor,
                seen_version=None,
                data=plan[1],
                now=when,
            )
        except WorkflowError:
            return  # refused: the engine wrote nothing


def demo_procedures(
    rng: random.Random,
    households: list[Household],
    staff_by_village: dict[str, User],
    users: dict[str, User],
    base: datetime,
) -> int:
    """Open the other procedures where they apply and move them to many states; decide the
    collective-membership applications of one community in vote sessions."""
    count = 0
    for hh in households:
        staff = staff_by_village[hh.destination.code]
        opened = base - timedelta(days=rng.randint(10, 45), hours=rng.randint(0, 6))
        requests = [
            (p, name)
            for p in hh.members
            for name in OTHER_PROCEDURES
            if _needed(hh, p, name, opened) and rng.random() < 0.85
        ]
        if not requests:
            continue
        intake = open_intake(household=hh, requests=requests, actor=staff, now=opened)
        for case in intake.cases:
            count += 1
            if case.procedure != "collective_membership" or rng.random() < 0.15:
                _advance(rng, case, opened, base)
    db.session.flush()

    # Vote sessions: 幸福社区 publishes its applicants in two lists; the first is decided.
    village = users["xingfu_collective"].grants[0].jurisdiction
    org = users["xingfu_collective"]
    waiting = applicants_waiting(village)
    half = len(waiting) // 2
    batches = [
        (waiting[:half], base - timedelta(days=20)),
        (waiting[half:], base - timedelta(days=3)),
    ]
    for i, (cases, published) in enumerate(batches):
        if not cases:
            continue
        session = publish_session(
            village=village,
            cases=cases,
            body="villagers_representatives",
            body_size=35,
            starts_on=published.date(),
            days=7,
            actor=org,
            now=published,
        )
        if i == 0:
            if len(cases) > 2:
                objected = cases[-1]
                act(
                    case_id=objected.id,
                    action="object",
                    actor=org,
                    seen_version=None,
                    data={
                        "objection": "申请人户籍尚未迁入，请核实",
                        "objector": "村民代表",
                        "raised_on": (published + timedelta(days=2)).date().isoformat(),
                    },
                    now=published + timedelta(days=2),
                )
            voted = published + timedelta(days=9)
            need = votes_needed(35)
            tallies = {
                c.id: Tallied(need if n % 4 else need - 2, 35 - need - 1, 1)
                for n, c in enumerate(cases)
            }
            record_votes(
                session=session, tallies=tallies, voted_on=voted.date(), actor=org, now=voted
            )
    db.session.flush()
    return count
