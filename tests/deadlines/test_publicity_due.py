"""The 公示 step is due on the recorded end of its publicity period: a 30-day publicity is
not escalated in its second week, only once its last day has passed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.conftest import login, post_form
from tests.deadlines.conftest import china
from transfers.cases.models import Case
from transfers.deadlines.models import Escalation
from transfers.deadlines.sweep import sweep
from transfers.tasks.models import Task
from workflows.roles import Role

START = date(2026, 11, 2)  # a Monday; 30 days end on Tuesday 2026-12-01


def _publish(app, db, make_user, make_household, days: str) -> Case:  # type: ignore[no-untyped-def]
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    org = make_user(Role.COLLECTIVE_ORG, "411221100201")
    hh = make_household(members=1)
    from tests.conftest import NOW
    from transfers.cases.services import open_intake

    intake = open_intake(
        household=hh, requests=[(hh.members[0], "collective_membership")], actor=staff, now=NOW
    )
    db.session.commit()
    case = intake.cases[0]
    client = app.test_client()
    login(client, org)
    resp = post_form(
        client,
        f"/cases/{case.id}/act/publish",
        {
            "version": case.version,
            "applied_on": START.isoformat(),
            "publicity_starts_on": START.isoformat(),
            "publicity_days": days,
            "backdate_reason": "11月2日已在村务公开栏张贴",
        },
    )
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:500]
    db.session.expire_all()
    return db.session.get(Case, case.id)


def _due_on(db, case: Case) -> date:  # type: ignore[no-untyped-def]
    return db.session.scalar(
        select(Task.due_on).where(Task.case_id == case.id, Task.closed_at.is_(None))
    )


def _levels(db, case: Case) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(db.session.scalars(select(Escalation.level).where(Escalation.case_id == case.id)))


def test_a_thirty_day_publicity_is_due_on_its_last_day(app, db, make_user, make_household):
    case = _publish(app, db, make_user, make_household, "30")
    assert case.state == "publicity" and case.data["publicity_ends_on"] == "2026-12-01"
    assert _due_on(db, case) == date(2026, 12, 1)
    sweep(china(2026, 11, 9))  # day 8: a fixed seven-day limit would already be overdue
    db.session.commit()
    assert "township" not in _levels(db, case)
    sweep(china(2026, 12, 1, 23, 59))  # the last day of the publicity
    db.session.commit()
    assert "township" not in _levels(db, case)
    sweep(china(2026, 12, 2, 0, 0))  # the day after its end
    db.session.commit()
    assert "township" in _levels(db, case)


def test_a_one_day_publicity_is_due_that_day(app, db, make_user, make_household):
    case = _publish(app, db, make_user, make_household, "1")
    assert _due_on(db, case) == START
