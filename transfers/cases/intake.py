"""The one intake rule (一门式受理): which procedure applies to which member of a household.

The household page proposes from it, and `open_intake` refuses from it, so the web form
and the API open exactly the same cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from transfers.cases.models import Case
from transfers.engine import InvalidAction
from transfers.engine.service import household_facts, person_facts
from transfers.extensions import db
from transfers.households.models import Household, Person
from workflows.base import Context, Procedure, RelatedCase
from workflows.i18n import gettext as _
from workflows.registry import PROCEDURES


@dataclass(frozen=True)
class Proposal:
    """One member × one procedure: is it needed, and why (shown on the household page)."""

    person: Person
    procedure: Procedure
    needed: bool
    why: str
    # An open case of this procedure exists: opening another is a duplicate, not a
    # procedure that does not apply.
    ongoing: bool

    @property
    def key(self) -> str:
        return f"{self.person.id}:{self.procedure.name}"


def proposals(household: Household, today: date) -> list[Proposal]:
    """For each member, each procedure: whether it applies, and why."""
    facts = household_facts(household)
    cases = db.session.scalars(
        select(Case).where(Case.household_id == household.id).order_by(Case.id)
    ).all()
    rows = []
    for person in household.members:
        related = {
            c.procedure: RelatedCase(c.procedure, c.state, c.outcome, dict(c.data or {}))
            for c in cases
            if c.person_id == person.id
        }
        ctx = Context(facts={**facts, **person_facts(person)}, related=related, today=today)
        for name, procedure in PROCEDURES.items():
            needed, why = procedure.applies(ctx)
            ongoing = name in related and not related[name].closed
            rows.append(Proposal(person, procedure, needed, why, ongoing))
    return rows


def refuse_inapplicable(
    household: Household, requests: Iterable[tuple[Person | None, str]], today: date
) -> None:
    """Raise InvalidAction, naming the member and the reason, for the first requested
    (person, procedure) that does not apply. Duplicates are left to `open_case`, which
    refuses them as such."""
    by_key = {p.key: p for p in proposals(household, today)}
    for person, procedure in requests:
        if person is None:
            continue  # household-wide: open_case decides whether the procedure allows it
        if person.household_id != household.id:
            raise InvalidAction(_("%(name)s不是本户成员", name=person.name))
        proposal = by_key.get(f"{person.id}:{procedure}")
        if proposal is None:
            raise InvalidAction(_("未知的办理事项：%(procedure)s", procedure=procedure))
        if not proposal.needed and not proposal.ongoing:
            raise InvalidAction(
                _(
                    "%(name)s不能受理%(procedure)s：%(reason)s",
                    name=person.name,
                    procedure=_(proposal.procedure.label),
                    reason=_(proposal.why),
                )
            )
