"""Signed checkpoints of the audit chains (`flask audit checkpoint`, daily by the
scheduler) and the full verification against them (`flask audit verify`).

A checkpoint records, for every chain that changed since the previous checkpoint, its
entry count and head: `case:<id>` for a case's events, `access_log` for the access log.
Its body also names the previous checkpoint's signature (a checkpoint taken out of the
middle is noticed) and the switch-over points of the plain-hash rows (raising one to
pass off a forged row as old is noticed). The body is HMAC-signed under AUDIT_KEY, so
newest entries cut after a checkpoint, even with the stored head rewound, are found.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from transfers.cases.models import Case, Event
from transfers.engine.audit import canonical, sign
from transfers.engine.verify import EVENT_CHAIN, event_legacy_through, verify_chains
from transfers.extensions import db
from transfers.privacy.models import AuditCheckpoint
from transfers.privacy.services import (
    ACCESS_CHAIN,
    access_chain_state,
    access_state,
    verify_access_log,
)

CASE_PREFIX = "case:"


@dataclass
class SignedState:
    """What the signed checkpoints say, folded oldest to newest."""

    chains: dict[str, tuple[int, str]] = field(default_factory=dict)
    last_signature: str = ""
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class AuditReport:
    cases: int
    events: int
    accesses: int
    checkpoints: int
    problems: list[str]


def legacy_points() -> dict[str, int]:
    """The switch-over points as they stand now."""
    state = access_state()
    return {
        EVENT_CHAIN: event_legacy_through(),
        ACCESS_CHAIN: state.legacy_through if state is not None else 0,
    }


def current_chains() -> dict[str, tuple[int, str]]:
    """(count, stored head) of every chain now."""
    counts = dict(
        db.session.execute(select(Event.case_id, func.count()).group_by(Event.case_id)).all()
    )
    chains: dict[str, tuple[int, str]] = {
        f"{CASE_PREFIX}{case_id}": (counts.get(case_id, 0), head or "")
        for case_id, head in db.session.execute(select(Case.id, Case.last_event_hash))
    }
    chains[ACCESS_CHAIN] = access_chain_state()
    return chains


def signed_state() -> SignedState:
    """Fold every checkpoint, checking its signature, its link to the previous one and
    the switch-over points it names."""
    folded = SignedState()
    legacy = legacy_points()
    for cp in db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)):
        folded.checkpoints += 1
        if not hmac.compare_digest(sign(cp.body), cp.signature):
            folded.problems.append(f"checkpoint {cp.id}: signature does not match")
            continue
        body: dict[str, Any] = json.loads(cp.body)
        if body["previous"] != folded.last_signature:
            folded.problems.append(f"checkpoint {cp.id}: an earlier checkpoint is missing")
        if body["legacy"] != legacy:
            folded.problems.append(f"checkpoint {cp.id}: switch-over points were changed")
        for name, (count, head) in body["chains"].items():
            folded.chains[name] = (int(count), str(head))
        folded.last_signature = cp.signature
    return folded


def write_checkpoint(now: datetime) -> AuditCheckpoint:
    """Add a signed checkpoint of every chain that changed since the last one; the
    caller commits."""
    folded = signed_state()
    changed = {
        name: list(state)
        for name, state in current_chains().items()
        if folded.chains.get(name) != state
    }
    body = canonical(
        {
            "at": now.isoformat(timespec="seconds"),
            "previous": folded.last_signature,
            "legacy": legacy_points(),
            "chains": changed,
        }
    )
    checkpoint = AuditCheckpoint(at=now, body=body, signature=sign(body))
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint


def verify_audit() -> AuditReport:
    """Every chain under the audit key, ending at its stored head, and agreeing with
    the signed checkpoints."""
    folded = signed_state()
    expected_cases = {
        int(name[len(CASE_PREFIX) :]): state
        for name, state in folded.chains.items()
        if name.startswith(CASE_PREFIX)
    }
    result = verify_chains(expected_cases)
    accesses, access_problems = verify_access_log(folded.chains.get(ACCESS_CHAIN))
    return AuditReport(
        cases=result.cases,
        events=result.events,
        accesses=accesses,
        checkpoints=folded.checkpoints,
        problems=folded.problems + result.problems + access_problems,
    )
