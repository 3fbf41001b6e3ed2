"""What a queue is narrowed to: a search box, the user's own steps, the order.

The steps offered are only those the user's roles act on (a police officer sees the one
step of the police, not every procedure's 23). The search finds a case by its person's
name, pinyin initials or the last four characters of the ID number
(`visibility.person_search`), or by the receipt number (办件编号) with or without dashes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select

from transfers.auth.models import User
from transfers.cases.models import Case, Intake
from transfers.households.models import Person
from transfers.tasks.models import Task
from transfers.visibility import person_search
from workflows.registry import PROCEDURES
from workflows.roles import Role

SORTS = ("due", "-due", "created")
RECEIPT_DIGITS = re.compile(r"(\d{6})-?(\d{8})-?(\d{4})")


@dataclass(frozen=True)
class Step:
    """One step a user acts on: `key` is "procedure:state"."""

    procedure: str
    state: str
    procedure_label: str
    label: str

    @property
    def key(self) -> str:
        return f"{self.procedure}:{self.state}"


def acting_roles(user: User) -> set[str]:
    """The roles of the user's grants that work a queue (not supervision, not admin)."""
    return {g.role for g in user.grants if not Role(g.role).is_supervisor and g.role != Role.ADMIN}


def user_steps(user: User) -> list[Step]:
    """The waiting steps of every procedure that one of the user's roles acts on."""
    roles = acting_roles(user)
    return [
        Step(name, s.name, p.label, s.label)
        for name, p in PROCEDURES.items()
        for s in p.states.values()
        if s.role is not None and s.role.value in roles
    ]


@dataclass(frozen=True)
class QueueFilter:
    q: str = ""
    procedure: str = ""
    step: str = ""
    sort: str = "due"

    @classmethod
    def from_args(cls, args: Mapping[str, str], user: User) -> QueueFilter:
        """The filter asked for; what the user has no step for is left out, not refused."""
        steps = {s.key: s for s in user_steps(user)}
        procedure = args.get("procedure", "")
        if procedure not in {s.procedure for s in steps.values()}:
            procedure = ""
        # a link of before the steps had keys: ?procedure=hukou&state=police_review
        step = args.get("step", "") or f"{procedure}:{args.get('state', '')}"
        if step not in steps or (procedure and steps[step].procedure != procedure):
            step = ""
        sort = args.get("sort", "due")
        return cls(
            q=args.get("q", "").strip()[:50],
            procedure=procedure,
            step=step,
            sort=sort if sort in SORTS else "due",
        )

    @property
    def state(self) -> str:
        return self.step.partition(":")[2]

    @property
    def narrowed(self) -> bool:
        return bool(self.q or self.procedure or self.step)

    def as_args(self) -> dict[str, Any]:
        """The non-default parts, for links that keep the filter (`url_for` values)."""
        return {k: v for k, v in asdict(self).items() if v and not (k == "sort" and v == "due")}


def receipt_number(text: str) -> str:
    """A receipt number as stored (411221-20261102-0001), typed with or without dashes."""
    m = RECEIPT_DIGITS.fullmatch(text.strip())
    return "-".join(m.groups()) if m else text.strip()


def task_search(text: str) -> ColumnElement[bool]:
    """Tasks whose case is for a matching person, of a household with a matching member
    (a case for the whole household), or opened under the receipt number."""
    people = select(Person.id).where(person_search(text))
    households = select(Person.household_id).where(person_search(text))
    receipts = select(Intake.id).where(Intake.receipt_no == receipt_number(text))
    cases = select(Case.id).where(
        or_(
            Case.person_id.in_(people),
            and_(Case.person_id.is_(None), Case.household_id.in_(households)),
            Case.intake_id.in_(receipts),
        )
    )
    return Task.case_id.in_(cases)
