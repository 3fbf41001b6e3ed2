"""The province data generator (`bench/province.py`): bulk rows the application can read."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

import transfers
from bench.province import generate
from tests.conftest import NOW
from transfers.cases.models import Case, Event
from transfers.engine.verify import verify_chains
from transfers.households.models import Household
from transfers.tasks.models import Task


def test_generated_data_is_consistent_and_usable(db):
    counts = generate(300, now=NOW)
    db.session.commit()
    assert counts["persons"] == 300 and counts["cases"] == 900
    count = lambda q: db.session.scalar(select(func.count()).select_from(Task).where(q))  # noqa: E731
    assert count(Task.closed_at.is_(None)) == counts["tasks"] > 0
    assert count(Task.closed_at.is_not(None)) == counts["closed_tasks"] > 0
    assert 0 < counts["overdue_tasks"] < counts["tasks"] / 3
    assert counts["escalations"] >= counts["overdue_tasks"]  # 催办 for each, some 督办
    assert db.session.scalar(select(func.count()).select_from(Event)) == counts["events"]
    assert verify_chains().problems == []
    case = db.session.get(Case, 1)
    assert case.opened_at.tzinfo is not None and case.data == {}
    # The sequences moved past the explicit ids: the application can insert again.
    db.session.add(Household(**_household_like(db.session.get(Household, 1))))
    db.session.commit()


def _household_like(h: Household) -> dict:
    cols = [c.key for c in Household.__table__.c if c.key != "id"]
    return {k: getattr(h, k) for k in cols}


def test_the_application_never_imports_benchmark_code():
    pattern = re.compile(r"^\s*(?:from|import)\s+bench\b", re.MULTILINE)
    sources = list(Path(transfers.__file__).parent.rglob("*.py"))
    assert len(sources) > 20
    assert [str(p) for p in sources if pattern.search(p.read_text(encoding="utf-8"))] == []
