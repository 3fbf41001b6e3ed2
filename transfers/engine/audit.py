"""The hash chain over events (docs/architecture.md, Tables: event)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

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


def chain_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(payload)).encode()).hexdigest()
