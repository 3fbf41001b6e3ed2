"""Writing a checked ledger: the valid households, a chunk at a time, through the one
household writer (`transfers.households.registration.register_many`), which checks each
household again with the rules of every door and records its registration event.

A person registered meanwhile (another import, the form) makes the household a conflict
reported on its rows, never a member of the household that holds the number: only a
ledger household that is, whole, one household the user sees counts as already there.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import IO, Any

from sqlalchemy import ColumnElement, and_, delete, select, update

from transfers.extensions import db
from transfers.households.registration import register_many
from transfers.households.validation import HouseholdInput, MemberInput
from transfers.imports.columns import BY_KEY
from transfers.imports.models import ImportBatch, ImportRow
from transfers.imports.reach import reach_of
from transfers.imports.registered import registered_among
from transfers.imports.template import write_rows_xlsx
from transfers.jurisdictions.models import Jurisdiction

CHUNK_HOUSEHOLDS = 1000
# Validator error keys (named like the form's fields) -> ledger columns.
_COLUMNS = {
    "origin_id": "origin_code",
    "destination_id": "destination_code",
    "site_id": "site",
    "members": "relation",
}


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _member(v: dict[str, Any]) -> MemberInput:
    return MemberInput(
        name=v["name"],
        id_number=v["id_number"],
        relation=v["relation"],
        party_status=v["party_status"],
        collective_member=v["collective_member"],
        pension_status=v["pension_status"],
        medical_insurance=v["medical_insurance"],
        assistance=v["assistance"],
        registered_poor=v["registered_poor"],
        hukou_status=v["hukou_status"],
        hukou_moved_on=_day(v["hukou_moved_on"]),
        hukou_address=v["hukou_address"],
        ethnicity=v.get("ethnicity", ""),
        phone=v.get("person_phone", ""),
    )


def household_input(rows: Sequence[Any]) -> HouseholdInput:
    """One ledger household (its staged rows, in file order) as a registration."""
    head = next((r for r in rows if r.values["relation"] == "户主"), rows[0]).values
    return HouseholdInput(
        origin_id=head["origin_id"],
        destination_id=head["destination_id"],
        settlement_mode=head["settlement_mode"],
        members=tuple(_member(r.values) for r in rows),
        site_id=head["site_id"],
        moved_on=_day(head["moved_on"]),
        address=head["address"],
        phone=head["phone"],
        lives_at_destination=head["lives_at_destination"],
        has_destination_housing=head["has_destination_housing"],
        has_destination_homestead=head["has_destination_homestead"],
        has_destination_contracted_land=head["has_destination_contracted_land"],
    )


def _column(key: str) -> str:
    key = _COLUMNS.get(key, key)
    return BY_KEY[key].header if key in BY_KEY else key


def _row_errors(rows: Sequence[Any], errors: dict[str, str]) -> dict[int, list[dict[str, str]]]:
    """Field errors of one household -> errors per staged row (the household's own on all)."""
    per_row: dict[int, list[dict[str, str]]] = {r.id: [] for r in rows}
    for key, message in errors.items():
        parts = key.split("-", 2)
        if parts[0] == "members" and len(parts) == 3:
            row_id = rows[int(parts[1])].id
            per_row[row_id].append({"column": _column(parts[2]), "message": message})
        else:
            for r in rows:
                per_row[r.id].append({"column": _column(key), "message": message})
    return per_row


def _next_households(batch: ImportBatch, limit: int) -> dict[str, list[Any]]:
    keys = db.session.scalars(
        select(ImportRow.household_key)
        .where(ImportRow.batch_id == batch.id, ImportRow.status == "valid")
        .group_by(ImportRow.household_key)
        .order_by(ImportRow.household_key)
        .limit(limit)
    ).all()
    if not keys:
        return {}
    # The first `limit` keys in order: every valid row between the first and the last of
    # them is one of theirs, so a range on the (batch, status, key) index reads them
    # without an IN list. The lower bound matters on PostgreSQL: the index entries of the
    # rows imported before stay until a vacuum, and a range open below walks them all
    # again at every chunk.
    rows = db.session.execute(
        select(ImportRow.id, ImportRow.household_key, ImportRow.id_number, ImportRow.values)
        .where(_chunk(batch, keys[0], keys[-1]))
        .order_by(ImportRow.household_key, ImportRow.row_no)
    ).all()
    by_key: dict[str, list[Any]] = {key: [] for key in keys}
    for r in rows:
        by_key[r.household_key].append(r)
    return by_key


def _chunk(batch: ImportBatch, first: str, last: str) -> ColumnElement[bool]:
    """The valid rows of the households from `first` to `last` (keys in database order)."""
    return and_(
        ImportRow.batch_id == batch.id,
        ImportRow.status == "valid",
        ImportRow.household_key.between(first, last),
    )


def _finish(batch: ImportBatch, now: datetime) -> bool:
    batch.status = "done"
    batch.finished_at = now
    batch.processed_households = batch.total_households
    # The imported rows went with their chunks; keep nothing of the rows outside the
    # user's reach either ("imported": rows staged by an earlier version of this code).
    db.session.execute(
        delete(ImportRow).where(
            ImportRow.batch_id == batch.id, ImportRow.status.in_(("imported", "outside"))
        )
    )
    db.session.flush()
    return True


def _set_status(ids: list[int], status: str) -> None:
    if ids:
        db.session.execute(update(ImportRow).where(ImportRow.id.in_(ids)).values(status=status))


def import_step(batch: ImportBatch, *, now: datetime, households: int = CHUNK_HOUSEHOLDS) -> bool:
    """Register the next chunk of valid households; returns True when the batch is done."""
    # One step at a time per batch (a second tab, a double click): on PostgreSQL the row
    # lock makes the other wait, then it finds these households already imported.
    db.session.refresh(batch, with_for_update=True)
    if batch.status == "done":
        return True
    batch.status = "importing"
    by_key = _next_households(batch, households)
    if not by_key:
        return _finish(batch, now)
    keys = list(by_key)  # in the order of the database
    known = registered_among(_chunk(batch, keys[0], keys[-1]), batch.user)
    existing: list[int] = []
    todo: list[list[Any]] = []
    for rows in by_key.values():
        held = [known.get(r.id_number) for r in rows]
        if all(h is not None and h.visible for h in held) and (
            len({h.household_id for h in held if h is not None}) == 1
        ):
            existing.extend(r.id for r in rows)  # this very household, imported meanwhile
            continue
        todo.append(rows)
    reach = reach_of(batch.user)

    def destinations(j: Jurisdiction) -> bool:
        return reach.covers(j.path)

    results = register_many(
        [household_input(rows) for rows in todo],
        actor=batch.user,
        now=now,
        channel="import",
        data={"batch_id": batch.id},
        destinations=destinations,
    )
    imported = 0
    for rows, result in zip(todo, results, strict=True):
        if isinstance(result, int):
            imported += len(rows)
            batch.created_households += 1
            continue
        for row_id, errors in _row_errors(rows, result).items():
            row = db.session.get(ImportRow, row_id)
            if row is not None:
                row.errors, row.status = [*row.errors, *errors], "invalid"
                batch.invalid_rows += 1
    _set_status(existing, "existing")
    db.session.flush()
    # What is still valid in the chunk's range was imported: its staged copy goes at once
    # (the people now live in their own tables). One statement on the index, not a list
    # of thousands of ids; and a delete, not an update to "imported" then a delete at the
    # end, which on PostgreSQL wrote every staged row out twice.
    db.session.execute(
        delete(ImportRow)
        .where(_chunk(batch, keys[0], keys[-1]))
        .execution_options(synchronize_session=False)
    )
    batch.existing_rows += len(existing)
    batch.created_persons += imported
    batch.processed_households += len(by_key)
    db.session.flush()
    return False


def invalid_rows(batch: ImportBatch) -> Iterator[ImportRow]:
    return db.session.scalars(
        select(ImportRow)
        .where(ImportRow.batch_id == batch.id, ImportRow.status == "invalid")
        .order_by(ImportRow.row_no)
        .execution_options(yield_per=1000)
    )


def write_invalid_rows(batch: ImportBatch, out: IO[bytes]) -> None:
    """The invalid rows as they were, plus an error column, to fix and re-import."""
    width = len(batch.headers)
    headers = [*batch.headers, "原行号", "错误说明"]

    def rows() -> Iterator[list[Any]]:
        for r in invalid_rows(batch):
            cells = (list(r.raw) + [""] * width)[:width]
            message = "；".join(f"【{e['column']}】{e['message']}" for e in r.errors)
            yield [*cells, r.row_no, message]

    write_rows_xlsx(out, headers, rows())
