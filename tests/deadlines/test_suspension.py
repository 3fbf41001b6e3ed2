"""Suspension extends the due date by the suspended working days; 一次性告知 item by item."""

from __future__ import annotations

from datetime import date

import pytest

from tests.deadlines.conftest import china
from transfers.deadlines.models import Suspension
from transfers.deadlines.suspension import receive_item, resume, running_suspension, suspend
from transfers.engine import InvalidAction, PermissionDenied


def test_resume_extends_by_the_suspended_working_days(db, office):
    task, staff = office["task"], office["staff"]
    s = suspend(task, actor=staff, reason="等待群众补充户口簿", now=china(2026, 11, 4, 15))
    db.session.commit()
    assert task.suspended_at is not None and running_suspension(task) is s
    # Wednesday 11-04 to Monday 11-09: Thursday, Friday and Monday stood still.
    resume(s, actor=staff, now=china(2026, 11, 9, 10), reason="材料已补齐")
    db.session.commit()
    assert s.extended_days == 3
    assert (s.due_before, s.due_after) == (date(2026, 11, 16), date(2026, 11, 19))
    assert task.due_on == date(2026, 11, 19) and task.suspended_at is None
    kinds = [e.kind for e in office["case"].events]
    assert kinds[-2:] == ["suspended", "resumed"]
    assert office["case"].events[-1].data["extended_working_days"] == 3


def test_suspension_over_national_day_counts_working_days_only(db, office):
    task, staff = office["task"], office["staff"]
    task.due_on = date(2026, 10, 9)
    s = suspend(task, actor=staff, reason="等待补正", now=china(2026, 9, 30))
    resume(s, actor=staff, now=china(2026, 10, 9))
    db.session.commit()
    # (09-30, 10-09]: only 10-08 and 10-09 are working days; +2 lands on Monday 10-12
    # after the adjusted working Saturday 10-10.
    assert s.extended_days == 2 and task.due_on == date(2026, 10, 12)


def test_same_day_resume_does_not_move_the_due_date(db, office):
    task, staff = office["task"], office["staff"]
    s = suspend(task, actor=staff, reason="临时核实", now=china(2026, 11, 4, 9))
    resume(s, actor=staff, now=china(2026, 11, 4, 16))
    assert s.extended_days == 0 and task.due_on == date(2026, 11, 16)


def test_one_time_notice_resumes_when_the_last_item_arrives(db, office):
    task, staff = office["task"], office["staff"]
    s = suspend(
        task,
        actor=staff,
        reason="申请材料不齐全",
        now=china(2026, 11, 3),
        missing_items=["户口簿原件", "  ", "安置房入住证明", "居民身份证复印件"],
    )
    db.session.commit()
    assert s.notice_no == "411221-GZ-20261103-001"
    assert [i.name for i in s.items] == ["户口簿原件", "安置房入住证明", "居民身份证复印件"]
    receive_item(s.items[0], actor=staff, now=china(2026, 11, 4))
    receive_item(s.items[2], actor=staff, now=china(2026, 11, 5))
    assert s.is_running
    with pytest.raises(InvalidAction):
        receive_item(s.items[0], actor=staff, now=china(2026, 11, 5))
    receive_item(s.items[1], actor=staff, now=china(2026, 11, 6))
    db.session.commit()
    assert not s.is_running and s.extended_days == 3  # Wed, Thu, Fri
    assert task.due_on == date(2026, 11, 19)
    kinds = [e.kind for e in office["case"].events]
    assert kinds[-5:] == ["notice", "item_received", "item_received", "item_received", "resumed"]
    assert office["case"].events[-5].data["notice_no"] == s.notice_no


def test_suspension_needs_a_reason_the_acting_office_and_no_running_one(db, office):
    task, staff = office["task"], office["staff"]
    with pytest.raises(InvalidAction):
        suspend(task, actor=staff, reason=" ", now=china(2026, 11, 3))
    with pytest.raises(PermissionDenied):
        suspend(task, actor=office["police"], reason="x", now=china(2026, 11, 3))
    suspend(task, actor=staff, reason="等待", now=china(2026, 11, 3))
    with pytest.raises(InvalidAction):
        suspend(task, actor=staff, reason="再次", now=china(2026, 11, 3))
    assert db.session.query(Suspension).count() == 1
