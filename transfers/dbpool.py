"""Pessimistic disconnect handling that costs nothing on a busy connection.

SQLAlchemy's `pool_pre_ping` sends a ping on every checkout, that is on every
transaction: one more round trip for each engine step. A connection that was in use a
moment ago is as good as a ping; one that sat idle in the pool may have been dropped
(a server restart, a firewall's idle timeout). So the pool pings a connection only when
it was idle for longer than `IDLE_SECONDS`, and a failed ping makes the pool replace it
(SQLAlchemy's documented checkout-event recipe: raising DisconnectionError retries the
checkout with a fresh connection). A failure in between is handled by SQLAlchemy's
optimistic path: the statement fails once, the pool is invalidated, the next request
reconnects.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

IDLE_SECONDS = 5.0
_RETURNED = "transfers_returned_at"  # in each pooled connection's `info`


def ping_when_idle(engine: Engine, idle_seconds: float = IDLE_SECONDS) -> None:
    """Ping connections that were idle in `engine`'s pool for over `idle_seconds`."""
    if engine.dialect.name == "sqlite":
        return  # a database file has no connection to lose

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED)
        if returned is None or time.monotonic() - returned <= idle_seconds:
            return  # new, or back in the pool a moment ago
        if not ping(dbapi_connection):
            raise DisconnectionError("connection lost while idle in the pool")


def ping(dbapi_connection: Any) -> bool:
    """Whether the server still answers on this DB-API connection."""
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
    except Exception:  # any driver error means the connection is unusable
        return False
    if not getattr(dbapi_connection, "autocommit", True):
        dbapi_connection.rollback()  # leave no transaction open behind the ping
    return True
