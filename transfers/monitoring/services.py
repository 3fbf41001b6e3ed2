"""Standing monitoring of medical insurance (常态化监测): who in an agency's area should be
insured but is not (应保未保) or whose employee insurance lapsed (断保/停保未续保), what
follow-up each has, and who was mobilised into insurance in a given month.

The follow-up case itself is opened by `open_monitoring_cases` whenever a household is
registered, imported or corrected with such a member, so nobody depends on a clerk
ticking the medical case at intake.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from transfers.auth.models import User
from transfers.cases.models import Case
from transfers.engine.service import open_case
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.visibility import households_condition, user_paths
from workflows.calendar import LOCAL_TZ
from workflows.medical import NAME as MEDICAL
from workflows.medical import UNINSURED, monitoring_need
from workflows.roles import Role


def can_see_medical_monitoring(user: User) -> bool:
    """The medical insurance agencies, and supervisors, for their own areas."""
    roles = user.roles
    return Role.MEDICAL_INSURANCE_AGENCY in roles or any(r.is_supervisor for r in roles)


def open_monitoring_cases(
    household_ids: Iterable[int], *, actor: User | None, now: datetime
) -> int:
    """Open the medical follow-up of every uninsured or lapsed member of these households
    who has none open yet; the procedure routes it to the agency by itself. Returns how
    many were opened."""
    people = db.session.scalars(
        select(Person)
        .where(Person.household_id.in_(list(household_ids)))
        .where(Person.medical_insurance.in_(UNINSURED))
        .order_by(Person.id)
    ).all()
    open_ids = set(
        db.session.scalars(
            select(Case.person_id).where(
                Case.procedure == MEDICAL,
                Case.closed_at.is_(None),
                Case.person_id.in_([p.id for p in people]),
            )
        )
    )
    opened = 0
    for person in people:
        if person.id in open_ids or current_insurance(person) not in UNINSURED:
            continue
        open_case(
            household=person.household,
            person=person,
            procedure_name=MEDICAL,
            actor=actor,
            now=now,
        )
        opened += 1
    return opened


@dataclass(frozen=True)
class Watched:
    person: Person
    need: str  # 应保未保 / 断保 (the source text, translated when shown)
    case: Case | None  # the open follow-up, if any


@dataclass(frozen=True)
class MonthlyList:
    month: date  # first day of the month
    watched: list[Watched]  # still uninsured or lapsed today
    enrolled: list[Case]  # follow-ups closed as enrolled in the month

    @property
    def counts(self) -> dict[str, int]:
        needs = [w.need for w in self.watched]
        return {
            "uninsured": sum(n == monitoring_need({"medical_insurance": "none"}) for n in needs),
            "lapsed": sum(n == monitoring_need({"medical_insurance": "lapsed"}) for n in needs),
            "without_follow_up": sum(w.case is None for w in self.watched),
            "enrolled": len(self.enrolled),
        }


def current_insurance(person: Person) -> str:
    """The person's insurance now: as registered, unless a completed follow-up recorded
    an enrollment since (procedures record what they establish in `person.facts`)."""
    return str(person.facts.get("medical_insurance") or person.medical_insurance)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month's first and next month's first instant, local midnight, as aware times."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return (
        datetime.combine(first, time(), LOCAL_TZ),
        datetime.combine(following, time(), LOCAL_TZ),
    )


def medical_monitoring(user: User, month: date) -> MonthlyList:
    """The agency's monitoring list for `month`, within the user's areas."""
    visible = select(Household.id).where(households_condition(user_paths(user)))
    people = db.session.scalars(
        select(Person)
        .where(Person.household_id.in_(visible), Person.medical_insurance.in_(UNINSURED))
        .options(selectinload(Person.household))
        .order_by(Person.household_id, Person.id)
    ).all()
    follow_ups = {
        c.person_id: c
        for c in db.session.scalars(
            select(Case).where(
                Case.procedure == MEDICAL,
                Case.closed_at.is_(None),
                Case.person_id.in_([p.id for p in people]),
            )
        )
    }
    start, end = month_bounds(month)
    enrolled = db.session.scalars(
        select(Case)
        .where(Case.procedure == MEDICAL, Case.outcome == "enrolled")
        .where(Case.closed_at >= start, Case.closed_at < end)
        .where(Case.household_id.in_(visible))
        .order_by(Case.closed_at)
    ).all()
    watched = [
        Watched(p, monitoring_need({"medical_insurance": status}), follow_ups.get(p.id))
        for p in people
        if (status := current_insurance(p)) in UNINSURED
    ]
    return MonthlyList(month.replace(day=1), watched, list(enrolled))
