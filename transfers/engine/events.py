"""A case's events, hash-chained (transfers/engine/audit.py), and its chain head.

The case row holds the head of its chain (`last_event_hash`). An event that is not a
transition (a reminder, 催办/督办, a claim, an uploaded document…) moves the head by a
compare-and-swap, `UPDATE … SET last_event_hash = :new WHERE id = :id AND
last_event_hash = :old`, and leaves the case's `version` alone: a clerk whose form was
opened before it can still act. A transition moves the head in its versioned update
(transfers/engine/writing.py). Events are inserted after the head moved, while the
transaction holds the case row, so their ids follow the chain.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.orm.util import identity_key

from transfers.cases.models import Case, Event
from transfers.db import table_of
from transfers.engine.audit import chain_hash, event_payload
from transfers.engine.errors import NotFound, StaleVersion
from transfers.extensions import db
from workflows.i18n import gettext as _

case_t = table_of(Case)
event_t = table_of(Event)

# Compare-and-swap attempts on a chain head. After a miss the head is read again with
# FOR UPDATE (PostgreSQL) or inside the write transaction the miss began (SQLite), so
# the second attempt holds the row and cannot miss; a third is spare.
HEAD_ATTEMPTS = 3


_INSERT_EVENT = insert(event_t)
_HEAD = select(case_t.c.version, case_t.c.last_event_hash).where(
    case_t.c.id == bindparam("case_id")
)
_HEAD_FOR_UPDATE = _HEAD.with_for_update()
# The SET clause comes from the parameters; the WHERE parameters are named apart.
_MOVE_HEAD = update(case_t).where(
    case_t.c.id == bindparam("w_id"), case_t.c.last_event_hash == bindparam("w_head")
)


def connection() -> Connection:
    """The session's connection, in the caller's transaction (pending ORM changes first,
    so that the engine's statements see them)."""
    db.session.flush()
    return db.session.connection()


def event_spec(
    *,
    at: datetime,
    actor_id: int | None = None,
    kind: str,
    action: str = "",
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An event's content, before it is placed on a chain."""
    return {
        "at": at,
        "actor_id": actor_id,
        "kind": kind,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "reason": reason,
        "data": data or {},
    }


def event_row(case_id: int, prev_hash: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The event row of `spec` that follows `prev_hash` in a case's hash chain."""
    payload = event_payload(
        case_id=case_id,
        at=spec["at"],
        actor_id=spec["actor_id"],
        kind=spec["kind"],
        action=spec["action"],
        from_state=spec["from_state"],
        to_state=spec["to_state"],
        reason=spec["reason"],
        data=spec["data"],
    )
    return {
        **spec,
        "case_id": case_id,
        "prev_hash": prev_hash,
        "hash": chain_hash(prev_hash, payload),
    }


def chained(case_id: int, head: str, specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of `specs`, in order, chained onto `head`."""
    rows = []
    for spec in specs:
        row = event_row(case_id, head, spec)
        rows.append(row)
        head = row["hash"]
    return rows


def insert_events(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert chained rows in chain order (one statement each, or one executemany)."""
    if rows:
        conn.execute(_INSERT_EVENT, rows)


def current_head(conn: Connection, case_id: int, *, lock: bool) -> tuple[int, str]:
    """(version, chain head) of a case as committed now; with `lock`, the row is held
    for this transaction (FOR UPDATE; SQLite already holds the database for writing)."""
    row = conn.execute(_HEAD_FOR_UPDATE if lock else _HEAD, {"case_id": case_id}).one_or_none()
    if row is None:
        raise NotFound(_("找不到该事项"))
    return row.version, row.last_event_hash or ""


def append_events(case_id: int, specs: list[dict[str, Any]], head: str | None = None) -> str:
    """Append non-transition events to a case's chain; the case's version is unchanged.
    `head`: the chain head as the caller read it (default: read here). Returns the new
    head. Pending ORM changes are not flushed first: these statements touch only the
    case's head and its events."""
    conn = db.session.connection()
    if head is None:
        head = current_head(conn, case_id, lock=False)[1]
    for _attempt in range(HEAD_ATTEMPTS):
        rows = chained(case_id, head, specs)
        moved = conn.execute(
            _MOVE_HEAD, {"w_id": case_id, "w_head": head, "last_event_hash": rows[-1]["hash"]}
        )
        if moved.rowcount == 1:
            insert_events(conn, rows)
            expire_held(Case, case_id, "last_event_hash")
            return str(rows[-1]["hash"])
        head = current_head(conn, case_id, lock=True)[1]
    raise StaleVersion()


def expire_held(model: type, ident: int | None, *names: str) -> None:
    """Columns written with Core: the session's instance of that row, if it holds one,
    reloads them on access (all of them without `names`)."""
    if ident is None:
        return
    held = db.session.identity_map.get(identity_key(model, ident))
    if held is not None:
        db.session.expire(held, list(names) or None)
