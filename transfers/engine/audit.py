"""The hash chain over events (DESIGN.md, Audit chain)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

_CANONICAL: dict[str, Any] = {
    "sort_keys": True,
    "ensure_ascii": False,
    "separators": (",", ":"),
}


def _canonical_encoder() -> Callable[[dict[str, Any]], str]:
    """json.dumps(payload, **_CANONICAL), with its C encoder made once rather than at
    each call (each event's hash is one: a twentieth of an engine step's Python)."""
    make = json.encoder.c_make_encoder  # type: ignore[attr-defined]
    if make is None:  # a Python built without the _json accelerator
        return partial(json.dumps, **_CANONICAL)
    default = json.JSONEncoder().default  # raises TypeError, as json.dumps does
    # (no circular-reference bookkeeping: a payload is plain data the engine built)
    encode = make(None, default, json.encoder.encode_basestring, None, ":", ",", True, False, True)
    return lambda payload: "".join(encode(payload, 0))


canonical = _canonical_encoder()


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
