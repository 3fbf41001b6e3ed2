"""The demo county, the migrations (no drift from the models) and the audit chain."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

from transfers.cases.models import Case, Event
from transfers.db import utcnow
from transfers.demo import load_demo
from transfers.demo_county import USERS
from transfers.engine.verify import verify_chains
from transfers.households.models import Person
from transfers.tasks.models import Task
from workflows.calendar import local_date
from workflows.idcard import parse_id_number
from workflows.roles import Role


def test_migrations_match_the_models(db):
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, db.metadata)
    assert diff == [], diff


def test_demo_county(db):
    summary = load_demo(households=60)
    db.session.commit()
    assert summary["households"] == 60 and summary["persons"] >= 150
    roles = {r for _, _, r, _ in USERS}
    assert roles == set(Role), "a demo user for every role"
    for p in db.session.scalars(select(Person)):
        parse_id_number(p.id_number)  # every synthetic ID number is valid
    states = set(db.session.scalars(select(Case.state).distinct()))
    assert {"application", "police_review", "completed", "declined"} <= states
    today = local_date(utcnow())
    overdue = db.session.scalar(
        select(func.count()).select_from(Task).where(Task.closed_at.is_(None), Task.due_on < today)
    )
    assert overdue > 0
    assert verify_chains().problems == []


def test_audit_verify_catches_edits_and_deletions(db):
    load_demo(households=10)
    db.session.commit()
    assert verify_chains().problems == []
    event = db.session.scalars(
        select(Event).where(Event.kind == "transition").order_by(Event.id)
    ).first()
    db.session.execute(
        text("UPDATE event SET reason = 'tampered' WHERE id = :id"), {"id": event.id}
    )
    db.session.commit()
    problems = verify_chains().problems
    assert len(problems) == 1 and f"event {event.id}: content altered" in problems[0]
    db.session.execute(text("UPDATE event SET reason = '' WHERE id = :id"), {"id": event.id})
    db.session.commit()
    assert verify_chains().problems == []
    # delete an event in the middle of a chain, then the last of another
    first = db.session.scalars(
        select(Event).where(Event.case_id == event.case_id).order_by(Event.id)
    ).first()
    db.session.execute(text("DELETE FROM event WHERE id = :id"), {"id": first.id})
    db.session.commit()
    problems = verify_chains().problems
    assert any("missing or altered" in p for p in problems)
