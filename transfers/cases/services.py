"""One-window intake (一门式受理): one receipt number for the cases of one visit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from transfers.auth.models import User
from transfers.cases.intake import refuse_inapplicable
from transfers.cases.models import Case, Intake
from transfers.cases.permissions import can_open_cases
from transfers.engine import PermissionDenied, RuleViolation, open_case
from transfers.extensions import db
from transfers.households.models import Household, Person
from workflows.calendar import local_date
from workflows.i18n import gettext as _
from workflows.roles import Level, ancestor_path, code_of_path


def next_receipt_no(household: Household, now: datetime) -> str:
    """办件编号: county code, local date, a four-digit daily sequence: 411221-20261127-0001."""
    county = code_of_path(ancestor_path(household.destination.path, Level.COUNTY))
    prefix = f"{county}-{local_date(now):%Y%m%d}-"
    count = db.session.scalar(
        select(func.count()).select_from(Intake).where(Intake.receipt_no.like(prefix + "%"))
    )
    return f"{prefix}{(count or 0) + 1:04d}"


def requested_members(
    household: Household, wanted: Iterable[tuple[int | None, str]]
) -> list[tuple[Person | None, str]]:
    """The (person id, procedure) pairs a door was asked for, with the household's members
    for the ids. A person of another household is refused (keyed "requests-<i>-person_id"),
    with a reason that names nobody: the person may be outside the user's area."""
    members = {p.id: p for p in household.members}
    pairs = list(wanted)
    outsiders = {
        f"requests-{i}-person_id": _("该人员不是本户成员")
        for i, (person_id, _procedure) in enumerate(pairs)
        if person_id is not None and person_id not in members
    }
    if outsiders:
        raise RuleViolation(outsiders)
    return [(members.get(person_id or 0), procedure) for person_id, procedure in pairs]


def open_intake(
    *,
    household: Household,
    requests: Iterable[tuple[Person | None, str]],
    actor: User,
    now: datetime,
) -> Intake:
    """Accept (受理) the requested cases of one household under one receipt number.

    `requests` are (person, procedure) pairs. All or nothing: a refused case refuses
    the intake. A procedure that does not apply to the member (transfers.cases.intake,
    the rule the household page proposes from) is refused with its reason, before
    anything is written.
    """
    if not can_open_cases(actor, household):
        raise PermissionDenied(_("只有本户迁入地或迁出地村（社区）工作人员可以受理"))
    requests = list(requests)
    if not requests:
        raise ValueError(_("请至少选择一项要受理的事项"))
    refuse_inapplicable(household, requests, local_date(now))
    for attempt in range(5):
        receipt = next_receipt_no(household, now)
        if attempt:
            receipt = receipt[:-4] + f"{int(receipt[-4:]) + attempt:04d}"
        try:
            with db.session.begin_nested():
                intake = Intake(
                    receipt_no=receipt, household=household, opened_by=actor, opened_at=now
                )
                db.session.add(intake)
                db.session.flush()
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - five concurrent intakes in one county in one instant
        raise RuntimeError("could not allocate a receipt number")
    for person, procedure in requests:
        open_case(
            household=household,
            person=person,
            procedure_name=procedure,
            actor=actor,
            now=now,
            intake=intake,
        )
    return intake


def cases_of_receipt(receipt_no: str) -> list[Case]:
    intake = db.session.scalar(select(Intake).where(Intake.receipt_no == receipt_no))
    if intake is None:
        return []
    return list(
        db.session.scalars(
            select(Case).where(Case.household_id == intake.household_id).order_by(Case.id)
        )
    )
