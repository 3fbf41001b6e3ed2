"""Bulk writing for the benchmark data sets: chunks of plain rows straight to the driver."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, text

CHUNK = 5000


def chunks(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class BulkWriter:
    """Chunks of rows straight to the driver: COPY on PostgreSQL, executemany on SQLite.

    The generator builds plain values; the ORM's per-value type processing costs more
    than the database's work at this volume. Values are formatted as SQLAlchemy stores
    them (UTC instants, ISO dates, JSON text)."""

    def __init__(self, conn: Any) -> None:
        self.pg = conn.dialect.name == "postgresql"
        self.raw = conn.connection.driver_connection

    def write(self, table: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        cols = list(rows[0])
        cur = self.raw.cursor()
        try:
            if self.pg:
                json_cols = [c for c in cols if isinstance(table.c[c].type, JSON)]
                with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        for c in json_cols:
                            row[c] = _json(row[c])
                        copy.write_row([row[c] for c in cols])
            else:
                conv = [(c, _SQLITE.get(type(table.c[c].type).__name__)) for c in cols]
                conv = [(c, f) for c, f in conv if f]
                for row in rows:
                    for c, f in conv:
                        if row[c] is not None:
                            row[c] = f(row[c])
                marks = ", ".join("?" * len(cols))
                sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({marks})"
                cur.executemany(sql, [tuple(row[c] for c in cols) for row in rows])
        finally:
            cur.close()


def _json(v: Any) -> str:
    return "{}" if v == {} else json.dumps(v)


def _sqlite_instant(v: datetime) -> str:
    if v.tzinfo is not UTC:
        v = v.astimezone(UTC)
    return v.strftime("%Y-%m-%d %H:%M:%S.%f")


# How SQLAlchemy's SQLite dialect stores these types.
_SQLITE = {"UTCDateTime": _sqlite_instant, "Date": date.isoformat, "JSON": _json}


def fix_sequences(conn: Any) -> None:
    """Explicit ids were inserted; move PostgreSQL's sequences past them."""
    if conn.dialect.name != "postgresql":
        return
    for table in (
        "jurisdiction",
        "site",
        "user_account",
        "role_grant",
        "household",
        "person",
        "intake",
        "transfer_case",
        "task",
        "event",
        "escalation",
    ):
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
            )
        )
