"""What the check of a ledger remembers of the rows before, kept out of memory.

The rules between rows need, for every row, what came before it in the file: whether
its ID number was given already (in which row, in which household, as its how-manyth
member), how many members its 户编号 has had so far, and its household's state (first
row, places, heads, wrong rows, registered members). Held in Python dicts this grew by
about 0.5 KB a row (185 MiB for 350,000 rows). Here it lives in a scratch SQLite file of
the check's own, deleted when the check ends: the check loads what one chunk of rows
needs (`load`), works on it in memory, and writes back what the chunk changed (`save`),
so its memory is the same for 50,000 rows or 350,000. The file is local and written
without a journal, whatever database the application uses: it costs the database
server nothing, and nothing in it outlives the check. It holds no ID number: the ID
numbers are stored as a keyed hash (HMAC-SHA256 under a key made for this check and
never written), so a file left behind by a crash tells nobody whose they were.
"""

from __future__ import annotations

import hmac
import json
import secrets
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transfers.households.validation import Registered, no_head, several_heads
from transfers.imports.columns import BY_KEY
from workflows.i18n import gettext as _

ID_COLUMN = BY_KEY["id_number"].header


@dataclass
class HouseholdSeen:
    """A household of the file as checked so far."""

    first_row: int
    ref: tuple[Any, ...]  # origin, destination, settlement mode, site of its first row
    heads: int = 0
    rows: int = 0
    bad: list[int] = field(default_factory=list)
    existing: int = 0
    registered_in: set[int] = field(default_factory=set)

    @property
    def collides(self) -> bool:
        """Some members are registered and some not, or they are in several households."""
        return bool(self.existing) and (self.existing < self.rows or len(self.registered_in) > 1)

    def registered(self, row: dict[str, Any], registered: Registered) -> None:
        """A staged row of the household whose ID number is registered already."""
        row["errors"] = [*row["errors"], {"column": ID_COLUMN, "message": registered.message}]
        if row["status"] == "valid" and registered.visible:
            row["status"] = "existing"  # an error only if its household collides
            self.existing += 1
            self.registered_in.add(registered.household_id)
        elif row["status"] == "valid":
            row["status"] = "invalid"
            self.bad.append(row["row_no"])

    def message(self) -> str:
        """What is wrong with the household as a whole ("" when nothing is)."""
        if self.collides:
            return _("同户有成员的身份证号码已在其他搬迁户登记，导入不会并入该户，整户暂不导入")
        if self.heads > 1:
            return several_heads()
        if self.heads == 0 and not self.existing:
            return no_head()
        if self.bad:
            rows = _("、").join(str(n) for n in self.bad[:5])
            if len(self.bad) > 5:
                return _("同户第%(rows)s等行有误，整户暂不导入，改正后重新导入", rows=rows)
            return _("同户第%(rows)s行有误，整户暂不导入，改正后重新导入", rows=rows)
        return ""

    def dump(self) -> tuple[Any, ...]:
        return (
            self.first_row,
            json.dumps(self.ref),
            self.heads,
            self.rows,
            json.dumps(self.bad) if self.bad else "",
            self.existing,
            json.dumps(sorted(self.registered_in)) if self.registered_in else "",
        )

    @classmethod
    def load(cls, row: Iterable[Any]) -> HouseholdSeen:
        first_row, ref, heads, rows, bad, existing, registered_in = row
        return cls(
            first_row,
            tuple(json.loads(ref)),
            heads,
            rows,
            json.loads(bad) if bad else [],
            existing,
            set(json.loads(registered_in)) if registered_in else set(),
        )


_SCHEMA = """
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
CREATE TABLE ids (k TEXT PRIMARY KEY, first_row INTEGER, household_no TEXT, position INTEGER)
    WITHOUT ROWID;
CREATE TABLE members (k TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
CREATE TABLE households (k TEXT PRIMARY KEY, first_row INTEGER, ref TEXT, heads INTEGER,
    rows INTEGER, bad TEXT, existing INTEGER, registered_in TEXT) WITHOUT ROWID;
"""
_TABLES = {"ids": 4, "members": 2, "households": 8}  # columns, the key first


def _table(name: str) -> str:
    if name not in _TABLES:
        raise ValueError(f"no table {name!r} in the check's store")
    return name


class Seen:
    """The scratch store of one check; `close` deletes it."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="ledger-check-")
        self.path = Path(self._dir.name) / "seen.sqlite3"
        self._db = sqlite3.connect(self.path)
        self._db.executescript(_SCHEMA)
        self._secret = secrets.token_bytes(32)

    def _stored(self, table: str, key: str) -> str:
        """A key as the file holds it: an ID number only as its keyed hash."""
        if table != "ids":
            return key
        return hmac.new(self._secret, key.encode(), "sha256").hexdigest()

    def load(self, table: str, keys: Iterable[str]) -> Iterator[tuple[Any, ...]]:
        """The stored rows (key first) of these keys; the keys never stored are not there."""
        asked = {self._stored(table, k): k for k in set(keys)}
        wanted = json.dumps(sorted(asked), ensure_ascii=False)
        rows = self._db.execute(
            f"SELECT * FROM {_table(table)} WHERE k IN (SELECT value FROM json_each(?))",
            (wanted,),
        )
        return ((asked[k], *rest) for k, *rest in rows)

    def save(self, table: str, rows: Iterable[tuple[Any, ...]]) -> None:
        """Store these rows (key first), replacing what their keys had."""
        marks = ", ".join("?" * _TABLES[_table(table)])
        self._db.executemany(
            f"INSERT OR REPLACE INTO {table} VALUES ({marks})",
            ((self._stored(table, k), *rest) for k, *rest in rows),
        )
        self._db.commit()  # a chunk's changes go to the file, not the connection's cache

    def households(self) -> Iterator[tuple[str, HouseholdSeen]]:
        """Every household of the file, read a few at a time."""
        for row in self._db.execute("SELECT * FROM households"):
            yield row[0], HouseholdSeen.load(row[1:])

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()
