"""The canonical form under each event's hash: it must stay exactly json.dumps with the
chain's settings, or every stored chain stops verifying."""

import hashlib
import json
from datetime import date

import pytest

from transfers.engine.audit import _CANONICAL, canonical, chain_hash

PAYLOADS = [
    {},
    {"case_id": 1, "at": "2026-11-23T02:00:00.000000+00:00", "actor_id": None, "kind": "x"},
    {"data": {"option": "site_address", "building": "3", "note": "迁入安置地 “东区”"}},
    {"z": [1, 2.5, -0.0, 1e-7, 12345678901234567890], "a": {"b": [True, False, None, []]}},
    {"tab\tand\nnewline": "quote \" backslash \\ and \u0001 control", "emoji": "户口 ✓ 😀"},
    {"nested": {"y": {"x": {"w": [{"v": 1}, {"u": {}}]}}}},
    {"nan": float("nan"), "inf": float("inf")},
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_canonical_is_json_dumps_with_the_chain_settings(payload):  # type: ignore[no-untyped-def]
    assert canonical(payload) == json.dumps(payload, **_CANONICAL)


def test_chain_hash_of_a_known_event_is_unchanged():  # type: ignore[no-untyped-def]
    payload = {"case_id": 7, "kind": "transition", "to": "review", "data": {"option": "迁入"}}
    text = '{"case_id":7,"data":{"option":"迁入"},"kind":"transition","to":"review"}'
    assert canonical(payload) == text
    assert chain_hash("ab" * 32, payload) == hashlib.sha256(("ab" * 32 + text).encode()).hexdigest()


def test_what_json_cannot_hold_is_refused_as_json_dumps_refuses_it():  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError):
        canonical({"on": date(2026, 11, 27)})
