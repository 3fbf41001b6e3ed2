"""A ledger imported a chunk of households at a time: each step takes the next households
in key order, whole, and leaves the others waiting."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.test_imports import ledger_xlsx
from transfers.db import utcnow
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.imports.checking import stage_ledger
from transfers.imports.models import ImportRow
from transfers.imports.writing import import_step


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
    assert statuses[waiting[0]] == {"imported"} and statuses[waiting[1]] == {"valid"}
    assert db.session.scalar(select(func.count()).select_from(Household)) == 1
    first = db.session.scalar(select(func.count()).select_from(Person))

    assert import_step(batch, now=utcnow(), households=1) is False
    assert _statuses(batch.id)[waiting[1]] == {"imported"}
    assert db.session.scalar(select(func.count()).select_from(Household)) == 2
    assert import_step(batch, now=utcnow(), households=1) is True
    assert batch.processed_households == batch.total_households == 2
    assert db.session.scalar(select(func.count()).select_from(Person)) == batch.created_persons
    assert first < batch.created_persons == 4
