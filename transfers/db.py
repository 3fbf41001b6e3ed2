"""Declarative base with a naming convention, and column types shared by all models."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, MetaData, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_SQLITE_DATETIME = "%04d-%02d-%02d %02d:%02d:%02d.%06d"  # SQLAlchemy's DATETIME storage format


class UTCDateTime(TypeDecorator[datetime]):
    """Instants are stored in UTC and come back timezone-aware (docs/architecture.md, Time)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware instants")
        return value.astimezone(UTC)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        # SQLite keeps an instant as text in SQLAlchemy's own DATETIME format, which it
        # reads back: formatted here in one step, half the cost of the generic path
        # (process_bind_param, then DATETIME's formatting). An engine step binds three.
        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is not UTC:
                value = self.process_bind_param(value, dialect)
                assert value is not None
            return _SQLITE_DATETIME % (
                value.year,
                value.month,
                value.day,
                value.hour,
                value.minute,
                value.second,
                value.microsecond,
            )

        return process

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


def json_encoder(
    *,
    sort_keys: bool = False,
    ensure_ascii: bool = True,
    separators: tuple[str, str] = (", ", ": "),
) -> Callable[[Any], str]:
    """json.dumps(value, sort_keys=…, ensure_ascii=…, separators=…) for plain data
    (dicts, lists, strings, numbers, booleans, None), with the C encoder made once
    rather than at each call: that is most of what dumping a small dict costs. Without
    circular-reference bookkeeping (a cycle ends in RecursionError, not ValueError):
    for data the code builds. A dict key json cannot write is refused (TypeError)."""
    settings = {"sort_keys": sort_keys, "ensure_ascii": ensure_ascii, "separators": separators}
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python built without the _json accelerator
        return json.JSONEncoder(**settings).encode  # type: ignore[arg-type]
    item_separator, key_separator = separators
    encode = make(
        None,  # no circular-reference bookkeeping
        json.JSONEncoder().default,  # raises TypeError, as json.dumps does
        json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring,
        None,  # no indent
        key_separator,
        item_separator,
        sort_keys,
        False,  # a key json cannot write raises TypeError, as json.dumps does by default
        True,  # NaN and Infinity written as json.dumps writes them
    )
    return lambda value: "".join(encode(value, 0))


def utcnow() -> datetime:
    return datetime.now(UTC)
