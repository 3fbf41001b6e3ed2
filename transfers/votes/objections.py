"""Objections raised during 公示 and how each was handled, read from the cases' own
history: an objection is the `object` action of a membership case (who raised it, when,
what it says), its handling the `dismiss` or `uphold` action that follows it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from transfers.cases.models import Event
from transfers.extensions import db
from workflows.i18n import N_

RAISED = "object"
HANDLED = {"dismiss": N_("异议不成立，继续公示"), "uphold": N_("异议成立，不予确认")}


@dataclass
class Objection:
    case_id: int
    objector: str
    raised_on: date | None
    content: str
    recorded_by: str
    recorded_at: datetime
    handled_as: str = ""  # "" while being handled, else "dismiss" or "uphold"
    handling: str = ""
    handled_by: str = ""
    handled_at: datetime | None = None

    @property
    def handled_label(self) -> str:
        return HANDLED.get(self.handled_as, N_("处理中"))


def _raised_on(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def objections_of(case_ids: Iterable[int]) -> dict[int, list[Objection]]:
    """Each case's objections in the order they were raised (one query)."""
    ids = sorted(set(case_ids))
    found: dict[int, list[Objection]] = {}
    if not ids:
        return found
    events = db.session.scalars(
        select(Event)
        .where(Event.case_id.in_(ids), Event.action.in_([RAISED, *HANDLED]))
        .options(selectinload(Event.actor))
        .order_by(Event.id)
    )
    for e in events:
        data, who = e.data or {}, e.actor.display_name if e.actor else ""
        mine = found.setdefault(e.case_id, [])
        if e.action == RAISED:
            mine.append(
                Objection(
                    case_id=e.case_id,
                    objector=str(data.get("objector", "")),
                    raised_on=_raised_on(data.get("raised_on")),
                    content=str(data.get("objection", "")),
                    recorded_by=who,
                    recorded_at=e.at,
                )
            )
        elif mine and not mine[-1].handled_as:
            last = mine[-1]
            last.handled_as, last.handling = e.action, str(data.get("resolution", ""))
            last.handled_by, last.handled_at = who, e.at
    return found
