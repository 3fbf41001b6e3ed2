"""Checking a ledger before anything is registered (the preview).

`stage_ledger` reads the file once, checks every row (`reading.validate_row`), then the
rules between rows: an ID number twice in the file, members of one household that
disagree, one head per household, and ID numbers registered already. Each row is stored
with its errors. Rows are checked and stored a chunk at a time; what the rules between
rows remember of the chunks before is kept in a scratch store (`seen`), not in memory,
so checking 350,000 rows takes no more memory than checking 50,000.

An ID number registered already is never adopted into the household that holds it:
- when the whole ledger household is that one household, seen by the importing user
  (the same file imported again), its rows are "existing" and nothing is written;
- otherwise the row is a conflict, the household waits whole, and the message names the
  registered person only when the user may see that household.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Table, and_, bindparam, delete, func, insert, select, update

from transfers.auth.models import User
from transfers.extensions import db
from transfers.households.validation import duplicate_member
from transfers.imports.ledger import Sheet, open_sheet, sheet_names
from transfers.imports.models import ImportBatch, ImportRow
from transfers.imports.reach import reach_of
from transfers.imports.reading import Lookups, Problems, validate_row
from transfers.imports.registered import registered_among
from transfers.imports.seen import HouseholdSeen, Seen
from transfers.jurisdictions.models import Jurisdiction
from workflows.i18n import gettext as _

CHUNK_ROWS = 2000


class _Read(NamedTuple):
    """A row checked on its own, waiting for the rules between rows (its chunk)."""

    row_no: int
    cells: list[str]
    by_key: dict[str, str]
    values: dict[str, Any]
    problems: Problems
    key: str  # its household; "" for a row outside the user's reach


class _Staging:
    """The rows of one batch on their way to the import_row table, a chunk at a time.

    What the rules between rows remember of the rows before lives in `seen` (a scratch
    store, not memory); the dicts below hold only the part of it one chunk needs.
    """

    def __init__(self, batch: ImportBatch, viewer: User | None, lookups: Lookups) -> None:
        self.batch = batch
        self.viewer = viewer
        self.lookups = lookups
        self.seen = Seen()
        # ID number -> (row, household number as written, member position in it)
        self.seen_ids: dict[str, tuple[int, str, int]] = {}
        self.new_ids: list[str] = []
        self.members: dict[str, int] = {}
        self.households: dict[str, HouseholdSeen] = {}
        self.pending: list[_Read] = []
        self.buffer: list[dict[str, Any]] = []
        self.head_row = 0
        self.outside = 0

    def read(
        self, row_no: int, cells: list[str], by_key: dict[str, str], numeric: set[str]
    ) -> None:
        """Check a row on its own; the rules between rows wait for its chunk (`flush`)."""
        values, problems = validate_row(by_key, numeric, self.lookups)
        key = "" if values["outside"] else self._household_key(row_no, by_key, values)
        self.pending.append(_Read(row_no, cells, by_key, values, problems, key))

    def _load(self) -> None:
        """What the rows before said of the chunk's ID numbers, 户编号 and households."""
        rows = [r for r in self.pending if r.key]
        numbers = {n for r in rows if (n := r.values.get("id_number"))}
        self.seen_ids = {n: (row, hh, pos) for n, row, hh, pos in self.seen.load("ids", numbers)}
        self.members = dict(self.seen.load("members", {_household_no(r.by_key) for r in rows}))
        self.households = {
            key: HouseholdSeen.load(state)
            for key, *state in self.seen.load("households", {r.key for r in rows})
        }

    def _save(self) -> None:
        self.seen.save("ids", ((n, *self.seen_ids[n]) for n in self.new_ids))
        self.seen.save("members", self.members.items())
        self.seen.save("households", ((k, *hh.dump()) for k, hh in self.households.items()))
        self.seen_ids, self.members, self.households, self.new_ids = {}, {}, {}, []

    def _duplicate(self, number: str, household_no: str) -> str:
        """In one household, the words the form and the API use; across households of the
        file, the row, which no other door has."""
        row, first_household, position = self.seen_ids[number]
        if household_no and household_no == first_household:
            return duplicate_member(position)
        return _("与第%(row)s行的身份证号码重复（同一人登记两次）", row=row)

    def _add(self, read: _Read) -> None:
        """The rules between rows, for one row in file order."""
        row_no, cells, by_key, values, problems, key = read
        if not key:
            # Another office's people: counted once, nothing of them kept or checked.
            self.outside += 1
            self.buffer.append(_outside_row(self.batch.id, row_no))
            return
        number = values.get("id_number")
        household_no = _household_no(by_key)
        position = self.members[household_no] = self.members.get(household_no, 0) + 1
        if number and number in self.seen_ids:
            problems.add("id_number", self._duplicate(number, household_no))
        elif number:
            self.seen_ids[number] = (row_no, household_no, position)
            self.new_ids.append(number)
        self._household(row_no, key, values, problems)
        self.buffer.append(
            {
                "batch_id": self.batch.id,
                "row_no": row_no,
                "household_key": key,
                "id_number": number,
                "status": "invalid" if problems.items else "valid",
                "raw": _trimmed(cells),
                "values": values,
                "errors": problems.items,
            }
        )

    def _household_key(self, row_no: int, by_key: dict[str, str], values: dict[str, Any]) -> str:
        """户编号 when written; else the household of the last 户主 row above (ledgers
        list a head, then the members)."""
        hh_no = by_key.get("household_no", "")
        if hh_no:
            return f"{by_key.get('destination_code', '')}|{hh_no}"[:80]
        if values["relation"] == "户主":
            self.head_row = row_no
        return f"@{self.head_row}" if self.head_row else f"#{row_no}"

    def _household(self, row_no: int, key: str, values: dict[str, Any], problems: Problems) -> None:
        if key.startswith("#"):
            problems.add("household_no", _("请填写户编号，或将户主行放在本户成员之前"))
        ref = (
            values["origin_id"],
            values["destination_id"],
            values["settlement_mode"],
            values["site_id"],
        )
        hh = self.households.get(key)
        if hh is None:
            hh = self.households[key] = HouseholdSeen(first_row=row_no, ref=ref)
        elif ref != hh.ref:
            problems.add(
                "household_no",
                _(
                    "同户成员的迁出地、迁入地、安置方式或安置点与第%(row)s行不一致",
                    row=hh.first_row,
                ),
            )
        hh.rows += 1
        if values["relation"] == "户主":
            hh.heads += 1
        if problems.items:
            hh.bad.append(row_no)

    def flush(self) -> None:
        """The rules between rows for the chunk read; insert its rows in bulk, then mark
        the registered ID numbers (one query over the rows just staged)."""
        if not self.pending:
            return
        self._load()
        for read in self.pending:
            self._add(read)
        self.pending.clear()
        # Core inserts (executemany, batched into multi-row VALUES): no ORM bookkeeping.
        table = ImportRow.__table__
        assert isinstance(table, Table)  # typed as any FromClause; here a plain table
        db.session.execute(insert(table), self.buffer)
        chunk = and_(
            ImportRow.batch_id == self.batch.id,
            ImportRow.row_no.between(self.buffer[0]["row_no"], self.buffer[-1]["row_no"]),
        )
        known = registered_among(chunk, self.viewer)
        changed = [r for r in self.buffer if r["id_number"] in known]
        for r in changed:
            self.households[r["household_key"]].registered(r, known[r["id_number"]])
        if changed:
            db.session.execute(
                update(table)
                .where(table.c.batch_id == self.batch.id, table.c.row_no == bindparam("n"))
                .values(status=bindparam("s"), errors=bindparam("e")),
                [{"n": r["row_no"], "s": r["status"], "e": r["errors"]} for r in changed],
            )
        self.buffer.clear()
        self._save()


def _household_no(by_key: dict[str, str]) -> str:
    return (by_key.get("household_no") or "").strip()


def _trimmed(cells: list[str]) -> list[str]:
    """The row's cells without its trailing empty ones (the error workbook pads them)."""
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def _outside_row(batch_id: int, row_no: int) -> dict[str, Any]:
    return {
        "batch_id": batch_id,
        "row_no": row_no,
        "household_key": "",
        "id_number": None,
        "status": "outside",
        "raw": [],
        "values": {},
        "errors": [],
    }


#: Up to this size an upload's header is found at once, in the request (a bad file is
#: refused on the spot); a larger workbook is only opened there, its header found by the
#: background job (parsing a 350,000-row sheet takes seconds and memory).
QUICK_CHECK_BYTES = 5 * 1024 * 1024


def quick_check(path: Path, filename: str) -> str:
    """The sheet a new upload will be read from ("" when the job decides); raises
    LedgerFormatError for a file that cannot be a ledger."""
    if path.suffix.lower() == ".csv" or path.stat().st_size <= QUICK_CHECK_BYTES:
        return open_sheet(path, filename).sheet_name
    sheet_names(path, filename)
    return ""


def new_batch(filename: str, *, actor: User | None, now: datetime) -> ImportBatch:
    """A batch waiting for its check (the row of the background job)."""
    batch = ImportBatch(
        user_id=actor.id if actor else None,
        filename=filename[:200],
        status="queued",
        created_at=now,
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def _reset(batch: ImportBatch, sheet: Sheet) -> None:
    """Start (or start again) the check of a batch: no rows, no counts."""
    db.session.execute(delete(ImportRow).where(ImportRow.batch_id == batch.id))
    batch.status = "checking"
    batch.headers = sheet.headers
    batch.ignored_columns = sheet.ignored
    batch.sheet_name = sheet.sheet_name
    batch.sheet_names = sheet.sheet_names
    batch.header_row = sheet.header_row
    batch.checked_rows = batch.outside_rows = batch.invalid_rows = batch.existing_rows = 0
    batch.job_error = ""
    db.session.flush()


def stage_ledger(
    path: Path,
    filename: str,
    *,
    actor: User | None,
    now: datetime,
    batch: ImportBatch | None = None,
    sheet: str = "",
    progress: Callable[[ImportBatch], None] | None = None,
) -> ImportBatch:
    """Read and check a ledger; store every row with its errors (the preview).

    `actor` None is the system (the command line). `batch` is checked again when given
    (another sheet, place names confirmed, 安置点 created): its `place_choices` apply.
    Raises LedgerFormatError when the file itself cannot be used.
    """
    opened = open_sheet(path, filename, sheet)
    if batch is None:
        batch = new_batch(filename, actor=actor, now=now)
    _reset(batch, opened)
    staging = _Staging(batch, actor, Lookups(reach_of(actor), batch.place_choices))
    try:
        total = _stage_rows(opened, staging, progress)
        _household_checks(batch, staging.seen.households())
    finally:
        staging.seen.close()
    _count(batch)
    batch.total_rows = batch.checked_rows = total
    batch.outside_rows = staging.outside
    _unresolved(batch, staging.lookups)
    batch.status = "previewed"
    db.session.flush()
    if progress:
        progress(batch)
    return batch


def _stage_rows(
    opened: Sheet, staging: _Staging, progress: Callable[[ImportBatch], None] | None
) -> int:
    """Check and stage every row of the sheet, a chunk at a time; returns how many."""
    batch, total = staging.batch, 0
    for row_no, cells, numeric in opened.rows:
        if not any(cells):
            continue
        total += 1
        by_key = {key: cells[i] if i < len(cells) else "" for i, key in opened.mapping.items()}
        num_keys = {opened.mapping[i] for i in numeric if i in opened.mapping} if numeric else set()
        staging.read(row_no, cells, by_key, num_keys)
        if len(staging.pending) >= CHUNK_ROWS:
            staging.flush()
            batch.checked_rows = total
            if progress:
                progress(batch)
    staging.flush()
    return total


def _unresolved(batch: ImportBatch, lookups: Lookups) -> None:
    """The place names and 安置点 the preview asks the user about."""
    batch.place_problems = lookups.places.problems()
    missing = lookups.sites.missing()
    places = {
        j.id: j.full_name
        for j in db.session.scalars(
            select(Jurisdiction).where(Jurisdiction.id.in_({d for d, _n in missing}))
        )
    }
    batch.new_sites = [
        {"destination_id": d, "place": places.get(d, ""), "name": name} for d, name in missing
    ]


def _household_checks(batch: ImportBatch, households: Iterable[tuple[str, HouseholdSeen]]) -> None:
    """One head per household, no family merged into a registered one; a household with
    a bad row waits whole (no half families)."""
    for key, hh in households:
        message = hh.message()
        if not message:
            continue
        column = "与户主关系" if hh.heads != 1 and not hh.bad and not hh.collides else "户编号"
        rows = db.session.scalars(
            select(ImportRow).where(
                ImportRow.batch_id == batch.id,
                ImportRow.household_key == key,
                ImportRow.status.in_(("valid", "invalid", "existing")),
            )
        )
        for row in rows:
            if row.status == "existing":
                if hh.collides:
                    row.status = "invalid"  # its own error says it is registered
                continue
            if row.status == "invalid" and (hh.collides or (hh.bad and hh.heads == 1)):
                continue  # its own errors already say what is wrong
            row.errors = [*row.errors, {"column": column, "message": message}]
            row.status = "invalid"
    db.session.flush()


def _count(batch: ImportBatch) -> None:
    counts = dict(
        db.session.execute(
            select(ImportRow.status, func.count())
            .where(ImportRow.batch_id == batch.id)
            .group_by(ImportRow.status)
        ).all()
    )
    batch.invalid_rows = counts.get("invalid", 0)
    batch.existing_rows = counts.get("existing", 0)
    batch.total_households = (
        db.session.scalar(
            select(func.count(func.distinct(ImportRow.household_key))).where(
                ImportRow.batch_id == batch.id, ImportRow.status == "valid"
            )
        )
        or 0
    )
