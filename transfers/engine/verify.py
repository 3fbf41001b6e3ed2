"""Recompute the per-case event hash chains (`flask audit verify`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from transfers.cases.models import Case, Event
from transfers.engine.audit import chain_hash, event_payload
from transfers.extensions import db


@dataclass
class VerifyResult:
    cases: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)


def verify_chains() -> VerifyResult:
    """Walk every case's events in order; each must chain onto the previous one.

    An edited event no longer matches its hash; a deleted event breaks the next
    event's prev_hash (or, if it was the last, the case's head).
    """
    result = VerifyResult()
    heads = dict(db.session.execute(select(Case.id, Case.last_event_hash)).all())
    result.cases = len(heads)
    current_case, prev = None, ""
    rows = db.session.execute(select(Event).order_by(Event.case_id, Event.id)).scalars()
    for ev in rows:
        if ev.case_id != current_case:
            if current_case is not None and heads.get(current_case) != prev:
                result.problems.append(
                    f"case {current_case}: last event missing after hash {prev[:12]}"
                )
            current_case, prev = ev.case_id, ""
        result.events += 1
        payload = event_payload(
            case_id=ev.case_id,
            at=ev.at,
            actor_id=ev.actor_id,
            kind=ev.kind,
            action=ev.action,
            from_state=ev.from_state,
            to_state=ev.to_state,
            reason=ev.reason,
            data=ev.data,
        )
        if ev.prev_hash != prev:
            result.problems.append(
                f"case {ev.case_id} event {ev.id}: previous event missing or altered"
            )
        elif chain_hash(prev, payload) != ev.hash:
            result.problems.append(f"case {ev.case_id} event {ev.id}: content altered")
        prev = ev.hash
        db.session.expunge(ev)
    if current_case is not None and heads.get(current_case) != prev:
        result.problems.append(f"case {current_case}: last event missing after hash {prev[:12]}")
    return result
