"""Reminder, 催办 and 督办 at their exact boundaries; exactly once; catch-up."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tests.deadlines.conftest import china
from transfers.cases.models import Event
from transfers.deadlines.models import Escalation
from transfers.deadlines.sweep import EscalationPolicy, sweep
from transfers.inbox.digest import send_digests
from transfers.inbox.models import Notification
from transfers.supervision.models import Problem


def levels(db) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(db.session.scalars(select(Escalation.level)))


def inbox(db, user) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        db.session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def test_reminder_starts_two_working_days_before_the_due_date(db, office):
    # Due Monday 11-16: on Wednesday 11-11 three working days are left, on Thursday two.
    assert sweep(china(2026, 11, 11, 23, 59)).total == 0
    result = sweep(china(2026, 11, 12, 0, 0))
    db.session.commit()
    assert result.escalations == {"reminder": 1}
    assert levels(db) == ["reminder"]
    assert inbox(db, office["staff"]) == ["reminder"]  # the acting office, nobody else
    assert inbox(db, office["township"]) == []


def test_township_escalation_the_day_after_the_due_date(db, office):
    sweep(china(2026, 11, 16, 23, 59))
    db.session.commit()
    assert levels(db) == ["reminder"]  # the last day is still on time
    result = sweep(china(2026, 11, 17, 0, 0))
    db.session.commit()
    assert result.escalations == {"township": 1} and result.problems == 1
    assert "township" in inbox(db, office["staff"])  # the office is told at once
    assert inbox(db, office["township"]) == []  # the supervisors: in their daily digest
    send_digests(china(2026, 11, 17, 8, 0))
    db.session.commit()
    assert inbox(db, office["township"]) == ["digest"]
    digest = db.session.scalar(select(Notification).where(Notification.kind == "digest"))
    assert "催办1" in digest.title and "新增问题1" in digest.title
    assert "【催办】" in digest.body and "【新增问题】" in digest.body
    assert inbox(db, office["county"]) == []
    problem = db.session.scalar(select(Problem))
    assert problem.kind == "overdue" and problem.task_id == office["task"].id


def test_district_escalation_five_working_days_after_the_due_date(db, office):
    sweep(china(2026, 11, 17))
    db.session.commit()
    # 5 working days after Monday 11-16 is Monday 11-23: nothing on Sunday 11-22.
    assert sweep(china(2026, 11, 22, 23, 59)).total == 0
    result = sweep(china(2026, 11, 23, 0, 0))
    db.session.commit()
    assert result.escalations == {"district": 1}
    send_digests(china(2026, 11, 23, 8, 0))
    assert inbox(db, office["county"]) == ["digest"]


def test_levels_are_configurable(db, office):
    policy = EscalationPolicy(reminder_days=4, district_days=1)
    assert sweep(china(2026, 11, 10), policy).escalations == {"reminder": 1}
    assert sweep(china(2026, 11, 17), policy).escalations == {"township": 1, "district": 1}


def test_catch_up_after_downtime_records_every_level_once(db, office):
    result = sweep(china(2026, 12, 31))
    db.session.commit()
    # Past due: no reminder any more, but both escalations, in order.
    assert result.escalations == {"township": 1, "district": 1}
    kinds = [e.kind for e in office["case"].events]
    assert kinds[-3:] == ["township", "problem_opened", "district"]


def test_a_second_sweep_changes_nothing(db, office):
    first = sweep(china(2026, 12, 1))
    db.session.commit()
    before = (
        db.session.scalar(select(func.count()).select_from(Event)),
        db.session.scalar(select(func.count()).select_from(Notification)),
    )
    second = sweep(china(2026, 12, 1, 9, 1))
    db.session.commit()
    assert first.total > 0 and second.total == 0 and second.notification_ids == []
    after = (
        db.session.scalar(select(func.count()).select_from(Event)),
        db.session.scalar(select(func.count()).select_from(Notification)),
    )
    assert before == after


def test_suspended_tasks_are_not_escalated(db, office):
    from transfers.deadlines.suspension import suspend

    suspend(
        office["task"], actor=office["staff"], reason="等待群众补充材料", now=china(2026, 11, 5)
    )
    db.session.commit()
    assert sweep(china(2026, 12, 1)).total == 0


def test_closed_tasks_are_not_escalated(db, office):
    from transfers.engine import act

    case = office["case"]
    act(
        case_id=case.id,
        action="submit",
        actor=office["staff"],
        seen_version=case.version,
        data={"option": "site_address", "building": "3", "unit": "2", "door": "501"},
        now=china(2026, 11, 3),
    )
    db.session.commit()
    result = sweep(china(2026, 11, 17))
    # The new police task (due 11-17) gets its reminder; the closed one nothing.
    assert result.escalations == {"reminder": 1}
    assert db.session.scalar(select(Escalation.task_id)) != office["task"].id


@pytest.mark.parametrize("advisory_lock", [False, True])
def test_two_concurrent_sweeps_escalate_exactly_once(app, db, office, advisory_lock):
    now = china(2026, 12, 1)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run() -> None:
        with app.app_context():
            try:
                barrier.wait()
                results.append(sweep(now, advisory_lock=advisory_lock))
                db.session.commit()
            except Exception as e:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors.append(e)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    db.session.expire_all()
    assert levels(db) == ["district", "township"]
    assert sum(r.total for r in results) == 3  # two levels and one problem, once
    kinds = db.session.scalars(select(Event.kind).where(Event.case_id == office["case"].id))
    assert sorted(k for k in kinds if k in ("township", "district")) == ["district", "township"]
    assert db.session.scalar(select(func.count()).select_from(Problem)) == 1


def test_a_flagged_violation_opens_one_problem(db, office):
    from transfers.engine.service import record_event

    case = office["case"]
    record_event(
        case,
        actor=None,
        kind="violation",
        now=china(2026, 11, 3),
        reason="2026-10 月无救助金发放",
        data={"kind": "assistance_gap", "months": ["2026-10"]},
    )
    db.session.commit()
    first = sweep(china(2026, 11, 3, 9, 1))
    db.session.commit()
    assert first.problems == 1 and first.escalations == {}
    problem = db.session.scalar(select(Problem))
    assert problem.kind == "violation" and "救助待遇断档" in problem.description
    send_digests(china(2026, 11, 4, 8, 0))
    digests = db.session.scalars(select(Notification).where(Notification.kind == "digest"))
    assert [(n.user.username, "救助待遇断档" in n.body) for n in digests] == [
        ("township_lead", True)
    ]
    assert sweep(china(2026, 11, 3, 9, 2)).problems == 0


def test_a_second_sweeper_stays_idle_on_postgresql(db, office):
    from sqlalchemy import text

    from transfers.deadlines.sweep import SWEEP_LOCK_KEY

    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as other, other.begin():
            other.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SWEEP_LOCK_KEY})
            result = sweep(china(2026, 12, 1))
            assert result.skipped and result.total == 0
            db.session.rollback()
        assert sweep(china(2026, 12, 1)).total == 3  # released with the other transaction
    else:
        # SQLite has no advisory locks: a second sweeper runs, and the unique key makes
        # it harmless (see the concurrent test above).
        assert sweep(china(2026, 12, 1)).total == 3
        second = sweep(china(2026, 12, 1))
        assert not second.skipped and second.total == 0
