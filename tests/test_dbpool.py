"""The pool pings a connection only after it sat idle, and replaces a dead one."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from transfers import dbpool


@pytest.fixture()
def engine():  # type: ignore[no-untyped-def]
    eng = create_engine(os.environ["DATABASE_URL"], pool_size=1, max_overflow=0)
    dbpool.ping_when_idle(eng, idle_seconds=5)
    yield eng
    eng.dispose()


def _age(eng, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """Pretend the pooled connection was returned `seconds` ago."""
    for record in list(eng.pool._pool.queue):  # QueuePool's idle connections
        record.info[dbpool._RETURNED] -= seconds


def test_busy_connection_is_not_pinged_idle_one_is(app, engine, monkeypatch):  # type: ignore[no-untyped-def]
    pings: list[object] = []
    real = dbpool.ping
    monkeypatch.setattr(dbpool, "ping", lambda c: pings.append(c) or real(c))
    for _ in range(3):
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    if engine.dialect.name == "sqlite":
        assert pings == []  # a database file has no connection to lose
        return
    assert pings == []  # used a moment ago: as good as a ping
    _age(engine, 4.9)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert pings == []
    _age(engine, 5.1)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert len(pings) == 1


def test_connection_dropped_while_idle_is_replaced(app, engine):  # type: ignore[no-untyped-def]
    if engine.dialect.name == "sqlite":
        assert dbpool.ping(engine.raw_connection().dbapi_connection)
        return
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    other = create_engine(os.environ["DATABASE_URL"])
    with other.connect() as killer:
        killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()
    _age(engine, 60)
    with engine.connect() as conn:  # the ping fails, the pool connects anew
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
