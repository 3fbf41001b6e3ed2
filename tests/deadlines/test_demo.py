"""The demo: a supervisor logs in and sees overdue work with its escalations; a second
sweep changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from tests.conftest import login
from transfers.auth import models as auth_models
from transfers.auth.models import User
from transfers.cases.models import Event
from transfers.deadlines.models import Escalation, Suspension
from transfers.deadlines.sweep import sweep
from transfers.demo import load_demo
from transfers.demo_county import DEMO_PASSWORD
from transfers.engine.verify import verify_chains
from transfers.inbox.models import Notification
from transfers.supervision.models import Problem

BASE = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def counts(db):  # type: ignore[no-untyped-def]
    return tuple(
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Escalation, Event, Notification, Problem)
    )


def test_demo_supervisor_sees_escalated_overdue_work(client, db, monkeypatch):
    monkeypatch.setattr(auth_models, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    summary = load_demo(households=40)
    db.session.commit()
    assert summary["escalations"] > 0 and summary["problems"] > 0
    levels = set(db.session.scalars(select(Escalation.level)))
    assert levels == {"reminder", "township", "district"}
    assert db.session.scalar(select(func.count()).select_from(Suspension)) == 2
    assert (
        db.session.scalar(
            select(func.count()).select_from(Problem).where(Problem.closed_at.is_not(None))
        )
        == 1
    )
    before = counts(db)
    again = sweep(BASE)
    db.session.commit()
    assert again.total == 0 and counts(db) == before  # the second sweep changes nothing
    assert verify_chains().problems == []

    lead = db.session.scalar(select(User).where(User.username == "mianchi_lead"))
    lead.session_token = "t"
    db.session.commit()
    login(client, lead, DEMO_PASSWORD)
    html = client.get("/supervision/").get_data(as_text=True)
    assert "已督办" in html and "督办 " in html and "● 超期" in html
    assert 'id="inbox-unread"' in html
