"""A ledger imported a chunk of households at a time: each step takes the next households
in key order, whole, and leaves the others waiting."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.imports.county import (
    elsewhere_rows,
    enable_county,
    faulty_rows,
    good_households,
    ledger_workbook,
)
from tests.test_imports import ledger_xlsx
from transfers.db import utcnow
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.imports import checking
from transfers.imports.checking import stage_ledger
from transfers.imports.models import ImportRow
from transfers.imports.writing import import_step
from workflows.roles import Role


def _statuses(batch_id: int) -> dict[str, set[str]]:
    rows = select(ImportRow.household_key, ImportRow.status).where(ImportRow.batch_id == batch_id)
    by_key: dict[str, set[str]] = {}
    for key, status in db.session.execute(rows):
        by_key.setdefault(key, set()).add(status)
    return by_key


def test_one_household_per_step_takes_the_households_in_key_order(app, geo, tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(ledger_xlsx())
    batch = stage_ledger(path, path.name, actor=None, now=utcnow())
    db.session.commit()
    waiting = sorted(k for k, s in _statuses(batch.id).items() if s == {"valid"})
    assert len(waiting) == 2

    assert import_step(batch, now=utcnow(), households=1) is False
    statuses = _statuses(batch.id)
    # the imported household's staged rows are gone at once; the other waits
    assert waiting[0] not in statuses and statuses[waiting[1]] == {"valid"}
    assert db.session.scalar(select(func.count()).select_from(Household)) == 1
    first = db.session.scalar(select(func.count()).select_from(Person))

    assert import_step(batch, now=utcnow(), households=1) is False
    assert waiting[1] not in _statuses(batch.id)
    assert db.session.scalar(select(func.count()).select_from(Household)) == 2
    assert import_step(batch, now=utcnow(), households=1) is True
    assert batch.processed_households == batch.total_households == 2
    assert db.session.scalar(select(func.count()).select_from(Person)) == batch.created_persons
    assert first < batch.created_persons == 4


def _check(path, clerk, monkeypatch, chunk_rows: int):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(checking, "CHUNK_ROWS", chunk_rows)
    batch = stage_ledger(path, path.name, actor=clerk, now=utcnow())
    db.session.commit()
    rows = db.session.execute(
        select(ImportRow.row_no, ImportRow.status, ImportRow.errors).where(
            ImportRow.batch_id == batch.id
        )
    )
    counts = (batch.total_rows, batch.invalid_rows, batch.existing_rows, batch.outside_rows)
    return {r.row_no: (r.status, r.errors) for r in rows}, counts


def test_the_rules_between_rows_do_not_depend_on_the_chunks(  # type: ignore[no-untyped-def]
    geo, make_user, monkeypatch, tmp_path
):
    """What the check remembers of the rows before lives outside memory between chunks:
    checked one row at a time, or three, a ledger gets every message of one chunk."""
    enable_county(geo)
    clerk = make_user(Role.VILLAGE_STAFF, "411224100201")
    faults = faulty_rows()
    people = good_households() + faults + elsewhere_rows()
    path = tmp_path / "台账.xlsx"
    path.write_bytes(ledger_workbook(people))
    whole, counts = _check(path, clerk, monkeypatch, 2000)
    assert counts[1] == len([r for r in whole.values() if r[0] == "invalid"]) >= len(faults)
    assert counts[3] == 2  # the other community's rows
    duplicate = next(p for p in faults if "身份证号码重复" in p.fault)
    assert any(duplicate.fault in e["message"] for s, errors in whole.values() for e in errors)
    for chunk_rows in (1, 3):
        assert _check(path, clerk, monkeypatch, chunk_rows) == (whole, counts)
