"""Recompute the per-case event chains (`flask audit verify`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from transfers.cases.models import Case, Event
from transfers.engine.audit import event_payload, link_matches
from transfers.extensions import db
from transfers.privacy.models import AuditState

EVENT_CHAIN = "event"


@dataclass
class VerifyResult:
    cases: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class _CaseWalk:
    """One case's chain as walked so far."""

    case_id: int
    head: str
    expected: tuple[int, str] | None
    count: int = 0
    prev: str = ""

    def finish(self, problems: list[str]) -> None:
        if self.prev != self.head:
            problems.append(f"case {self.case_id}: last event missing after hash {self.prev[:12]}")
        if self.expected is not None and self.count < self.expected[0]:
            missing = self.expected[0] - self.count
            problems.append(
                f"case {self.case_id}: {missing} events missing since the signed checkpoint"
            )


def event_legacy_through() -> int:
    """The last event id that may carry a plain SHA-256 link (0: none)."""
    value = db.session.scalar(
        select(AuditState.legacy_through).where(AuditState.name == EVENT_CHAIN)
    )
    return value or 0


def _check_event(walk: _CaseWalk, ev: Event, legacy_through: int, problems: list[str]) -> None:
    walk.count += 1
    if walk.count == 1 and ev.kind != "opened":
        problems.append(f"case {ev.case_id}: its opened event is missing")
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
    if ev.prev_hash != walk.prev:
        problems.append(f"case {ev.case_id} event {ev.id}: previous event missing or altered")
    elif not link_matches(walk.prev, payload, ev.hash, legacy=ev.id <= legacy_through):
        problems.append(f"case {ev.case_id} event {ev.id}: content altered")
    walk.prev = ev.hash
    if walk.expected is not None and walk.count == walk.expected[0]:
        if ev.hash != walk.expected[1]:
            problems.append(f"case {ev.case_id} event {ev.id}: differs from the signed checkpoint")


def verify_chains(expected: dict[int, tuple[int, str]] | None = None) -> VerifyResult:
    """Walk every case's events in order; each must chain onto the previous one, under
    the audit key, from the case's opened event to the head its row records.

    An edited event no longer matches its hash; a deleted event breaks the next event's
    prev_hash (or, if it was the last, the case's head); a case without events has lost
    its opened event. `expected` ({case id: (count, head)} from the signed checkpoints)
    catches newest events cut together with a rewound head.
    """
    expected = expected or {}
    result = VerifyResult()
    heads = dict(db.session.execute(select(Case.id, Case.last_event_hash)).all())
    result.cases = len(heads)
    legacy_through = event_legacy_through()
    seen: set[int] = set()
    walk: _CaseWalk | None = None
    rows = db.session.execute(select(Event).order_by(Event.case_id, Event.id)).scalars()
    for ev in rows:
        if walk is None or ev.case_id != walk.case_id:
            if walk is not None:
                walk.finish(result.problems)
            seen.add(ev.case_id)
            walk = _CaseWalk(ev.case_id, heads.get(ev.case_id) or "", expected.get(ev.case_id))
        result.events += 1
        _check_event(walk, ev, legacy_through, result.problems)
        db.session.expunge(ev)
    if walk is not None:
        walk.finish(result.problems)
    for case_id in sorted(set(heads) - seen):
        result.problems.append(f"case {case_id}: its opened event is missing (no events)")
    for case_id in sorted(set(expected) - set(heads)):
        result.problems.append(f"case {case_id}: deleted since the signed checkpoint")
    return result
