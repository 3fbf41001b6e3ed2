"""Formats that must not drift: instants on SQLite, the canonical form under each
event's hash (or every stored chain stops verifying), and the local date of an
instant."""

import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime
from sqlalchemy.dialects import postgresql, sqlite

from transfers.db import UTCDateTime
from transfers.engine.audit import canonical, chain_hash, legacy_chain_hash
from workflows.calendar import local_date

BEIJING = timezone(timedelta(hours=8))
INSTANTS = [
    datetime(2026, 11, 23, 2, 0, tzinfo=UTC),  # no microseconds: still written out
    datetime(2026, 11, 23, 2, 0, 0, 123, tzinfo=UTC),
    datetime(2026, 11, 23, 10, 0, 0, 5, tzinfo=BEIJING),  # another zone: stored in UTC
    datetime(999, 1, 2, 3, 4, 5, 600000, tzinfo=UTC),  # a year of three digits
]


@pytest.mark.parametrize("instant", INSTANTS)
def test_sqlite_instants_are_stored_as_sqlalchemys_datetime_stores_them(instant):  # type: ignore[no-untyped-def]
    dialect = sqlite.dialect()
    ours = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    generic = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert ours(instant) == generic(instant.astimezone(UTC).replace(tzinfo=None))
    result = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    assert result(ours(instant)) == instant  # and read back as the same instant


def test_naive_instants_are_refused_on_every_database():  # type: ignore[no-untyped-def]
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
        assert process(None) is None
        with pytest.raises(ValueError, match="naive"):
            process(datetime(2026, 11, 23, 2, 0))


def test_chain_hash_of_a_known_event_is_unchanged(app):  # type: ignore[no-untyped-def]
    """Keyed links (HMAC-SHA256 under AUDIT_KEY) and the plain links of rows written
    before the switch to keyed chains."""
    payload = {"case_id": 7, "kind": "transition", "to": "review", "data": {"option": "迁入"}}
    text = '{"case_id":7,"data":{"option":"迁入"},"kind":"transition","to":"review"}'
    assert canonical(payload) == text
    message = ("ab" * 32 + text).encode()
    with app.app_context():
        key = app.config["AUDIT_KEY"].encode()
        assert chain_hash("ab" * 32, payload) == hmac.new(key, message, "sha256").hexdigest()
    assert legacy_chain_hash("ab" * 32, payload) == hashlib.sha256(message).hexdigest()


def test_local_date_of_one_instant_after_another():  # type: ignore[no-untyped-def]
    """The date in China changes at 16:00 UTC; asking twice in a row must not answer
    for the wrong instant."""
    before = datetime(2026, 11, 27, 15, 59, 59, tzinfo=UTC)
    at = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    assert local_date(before) == date(2026, 11, 27)
    assert local_date(before) == date(2026, 11, 27)
    assert local_date(at) == date(2026, 11, 28)
    assert local_date(datetime(2026, 11, 27, 15, 59, 59, tzinfo=UTC)) == date(2026, 11, 27)
    with pytest.raises(ValueError, match="naive"):
        local_date(datetime(2026, 11, 27, 16, 0))
