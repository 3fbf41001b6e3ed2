"""更正登记: correcting what was registered of a household or its members, with a reason.

The corrected registration passes the same rules as a new one (`validate_household`);
each change is logged in the household's history (a `corrected` household event with
the reason). The proposals of procedures are computed again, and every open case the
change touches is told on its own timeline: a case whose rules read a changed fact
(relation, insurance, a date of birth from a new ID number, the settlement…) is
flagged for review (须复核); one that only shows a changed name or address is updated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from transfers.auth.models import User
from transfers.cases.intake import proposals
from transfers.cases.models import Case
from transfers.engine.errors import PermissionDenied
from transfers.engine.service import record_event
from transfers.extensions import db
from transfers.households.correction_fields import (
    HOUSEHOLD_FIELDS,
    Change,
    HouseholdCorrection,
    MemberCorrection,
    household_changes,
    member_changes,
    normalized,
)
from transfers.households.models import Household, HouseholdEvent, Person
from transfers.households.registration import initials
from transfers.households.validation import (
    HouseholdError,
    HouseholdInput,
    MemberInput,
    registered_people,
    staff_villages,
    validate_household,
)
from workflows.calendar import local_date
from workflows.i18n import gettext as _
from workflows.idcard import InvalidIdNumber, parse_id_number
from workflows.registry import PROCEDURES

__all__ = ["Corrected", "HouseholdCorrection", "correct_household", "may_correct"]

MAX_REASON = 500


@dataclass
class Corrected:
    """What a correction changed, and what it did to the procedures."""

    changes: list[Change]
    updated: list[Case] = field(default_factory=list)  # open cases shown the new values
    flagged: list[Case] = field(default_factory=list)  # open cases to review
    # [member name, procedure label]: procedures now proposed, or no longer
    proposed: list[list[str]] = field(default_factory=list)
    withdrawn: list[list[str]] = field(default_factory=list)


def may_correct(user: User, household: Household) -> bool:
    """The destination village's staff correct its households (as they register them)."""
    return household.destination_jurisdiction_id in staff_villages(user)


def _as_input(household: Household, data: HouseholdCorrection) -> HouseholdInput:
    return HouseholdInput(
        origin_id=household.origin_jurisdiction_id,
        destination_id=household.destination_jurisdiction_id,
        settlement_mode=data.settlement_mode,
        members=tuple(
            MemberInput(**{k: v for k, v in vars(m).items() if k != "person_id"})
            for m in data.members
        ),
        site_id=data.site_id,
        moved_on=data.moved_on,
        address=data.address,
        phone=data.phone,
        lives_at_destination=data.lives_at_destination,
        has_destination_housing=data.has_destination_housing,
        has_destination_homestead=data.has_destination_homestead,
        has_destination_contracted_land=data.has_destination_contracted_land,
    )


def _errors(household: Household, data: HouseholdCorrection, actor: User) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.reason.strip():
        errors["reason"] = _("请填写更正原因")
    elif len(data.reason.strip()) > MAX_REASON:
        errors["reason"] = _("更正原因不能超过%(n)s个字", n=MAX_REASON)
    if sorted(m.person_id for m in data.members) != sorted(p.id for p in household.members):
        errors["members"] = _("成员名单已变化，请刷新页面后重新更正")
        return errors
    numbers = []
    for m in data.members:
        try:
            numbers.append(parse_id_number(m.id_number).number)
        except InvalidIdNumber:
            continue
    # The household's own members may keep (or swap) their numbers.
    others = {
        number: held
        for number, held in registered_people(numbers, actor).items()
        if held.household_id != household.id
    }
    errors.update(validate_household(_as_input(household, data), actor=actor, registered=others))
    return errors


def _needed(household: Household, today: date) -> set[tuple[int, str]]:
    return {(p.person.id, p.procedure.name) for p in proposals(household, today) if p.needed}


def _tell_cases(
    household: Household, changes: list[Change], actor: User, now: datetime, result: Corrected
) -> None:
    """Each open case the changes touch gets them on its timeline, flagged or updated."""
    cases = db.session.scalars(
        select(Case)
        .where(Case.household_id == household.id, Case.closed_at.is_(None))
        .order_by(Case.id)
    ).all()
    for case in cases:
        mine = [c for c in changes if c.person_id in (None, case.person_id)]
        if not mine:
            continue
        review = any(c.rule_fact for c in mine)
        text = "更正登记：" + "；".join(c.text() for c in mine)
        if review:
            text += "。请复核本事项"
        record_event(case, actor=actor, kind="reevaluated", now=now, data={"text": text})
        (result.flagged if review else result.updated).append(case)


def _apply(household: Household, data: HouseholdCorrection) -> list[Change]:
    changes = household_changes(household, data)
    people = {p.id: p for p in household.members}
    for m in data.members:
        changes += member_changes(people[m.person_id], m)
    for name in HOUSEHOLD_FIELDS:
        setattr(household, name, normalized(name, getattr(data, name)))
    # Numbers swapped between two members would collide on the way (each number is
    # unique): the changed ones are freed first.
    moving = [people[c.person_id] for c in changes if c.field == "id_number" and c.person_id]
    for person in moving:
        person.id_number = f"~{person.id}"
    db.session.flush()
    for m in data.members:
        _apply_member(people[m.person_id], m)
    db.session.flush()
    return changes


def _apply_member(person: Person, m: MemberCorrection) -> None:
    parsed = parse_id_number(m.id_number)
    person.id_number, person.sex, person.birth_date = parsed.number, parsed.sex, parsed.birth_date
    person.name = m.name.strip()
    person.name_initials = initials(person.name)[:40]
    for name in (
        "relation",
        "party_status",
        "collective_member",
        "pension_status",
        "medical_insurance",
        "assistance",
        "registered_poor",
    ):
        setattr(person, name, getattr(m, name))


def correct_household(
    household: Household,
    data: HouseholdCorrection,
    *,
    actor: User,
    now: datetime,
    channel: str,
) -> Corrected:
    """Correct a household's registration; HouseholdError (field errors, nothing changed)
    when the result would not be a valid registration, the reason is missing, or nothing
    changes."""
    if not may_correct(actor, household):
        raise PermissionDenied(_("只有迁入地村（社区）工作人员可以更正本户登记"))
    if errors := _errors(household, data, actor):
        raise HouseholdError(errors)
    today = local_date(now)
    before = _needed(household, today)
    changes = _apply(household, data)
    if not changes:
        raise HouseholdError({"reason": _("没有需要更正的内容：请修改要更正的项目")})
    result = Corrected(changes)
    after = _needed(household, today)
    names = {p.id: p.name for p in household.members}
    result.proposed = [[names[pid], PROCEDURES[p].label] for pid, p in sorted(after - before)]
    result.withdrawn = [[names[pid], PROCEDURES[p].label] for pid, p in sorted(before - after)]
    _tell_cases(household, changes, actor, now, result)
    db.session.add(
        HouseholdEvent(
            household_id=household.id,
            at=now,
            actor_id=actor.id,
            kind="corrected",
            channel=channel,
            data={
                "reason": data.reason.strip(),
                "changes": [c.as_json() for c in changes],
                "updated": [c.id for c in result.updated],
                "flagged": [c.id for c in result.flagged],
                "proposed": result.proposed,
                "withdrawn": result.withdrawn,
            },
        )
    )
    db.session.flush()
    return result
