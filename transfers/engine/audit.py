"""The keyed hash chains of the audit trail (docs/architecture.md, Tables: event;
docs/SECURITY.md, Audit).

Each link is HMAC-SHA256 under `AUDIT_KEY`, a key kept outside the database: someone who
can write to the database but does not hold the key cannot rewrite a row and recompute
the chain after it. Rows written before the upgrade to keyed chains carry a plain
SHA-256 link; verification accepts that form only for rows up to the recorded
switch-over point (`audit_state.legacy_through`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from flask import current_app

_CANONICAL: dict[str, Any] = {
    "sort_keys": True,
    "ensure_ascii": False,
    "separators": (",", ":"),
}


def canonical(payload: dict[str, Any]) -> str:
    """The one JSON text of a payload that its hash is taken over."""
    return json.dumps(payload, **_CANONICAL)


def event_payload(
    *,
    case_id: int,
    at: datetime,
    actor_id: int | None,
    kind: str,
    action: str,
    from_state: str | None,
    to_state: str | None,
    reason: str,
    data: dict[str, Any],
) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "at": at.isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "kind": kind,
        "action": action,
        "from": from_state,
        "to": to_state,
        "reason": reason,
        "data": data,
    }


def audit_key() -> bytes:
    """The application's audit key (config `AUDIT_KEY`)."""
    key = str(current_app.config.get("AUDIT_KEY") or "")
    if not key:
        raise RuntimeError("AUDIT_KEY is not configured")
    return key.encode()


def sign(text: str) -> str:
    """HMAC-SHA256 of `text` under the audit key, as hex."""
    return hmac.new(audit_key(), text.encode(), hashlib.sha256).hexdigest()


def chain_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    """The keyed link that follows `prev_hash` for `payload`."""
    return sign(prev_hash + canonical(payload))


def legacy_chain_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    """The plain SHA-256 link of rows written before the switch to keyed chains."""
    return hashlib.sha256((prev_hash + canonical(payload)).encode()).hexdigest()


def link_matches(prev_hash: str, payload: dict[str, Any], digest: str, *, legacy: bool) -> bool:
    """Whether `digest` is this row's link: keyed, or plain for a row at or before the
    switch-over point (`legacy`)."""
    if hmac.compare_digest(chain_hash(prev_hash, payload), digest):
        return True
    return legacy and hmac.compare_digest(legacy_chain_hash(prev_hash, payload), digest)
