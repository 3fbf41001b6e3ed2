"""Suspension of a task's clock (挂起/暂停计时) and the one-time notice (一次性告知).

docs/policy.md "Time limits": suspension (e.g. waiting for the resident's documents) stops
the clock and is recorded with a reason; the limit is extended by the suspended time.
When documents are missing, the clerk tells the resident everything that is
missing at once, printed as 一次性告知书; the clock resumes when the items have arrived,
recorded item by item.

The suspended time is counted in working days: a suspension from day S to day R moves
the due date by the working days in (S, R] — the day the clock stopped was still worked,
the day it resumes is not lost again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select

from transfers.auth.models import User
from transfers.deadlines.models import MissingItem, Suspension
from transfers.deadlines.services import work_calendar
from transfers.engine.errors import InvalidAction, PermissionDenied
from transfers.engine.service import record_event
from transfers.extensions import db
from transfers.tasks.models import Task
from transfers.tasks.permissions import can_act
from workflows.calendar import local_date
from workflows.i18n import gettext as _
from workflows.roles import Level, ancestor_path, code_of_path


def running_suspension(task: Task) -> Suspension | None:
    return db.session.scalar(
        select(Suspension).where(Suspension.task_id == task.id, Suspension.resumed_at.is_(None))
    )


def _next_notice_no(task: Task, now: datetime) -> str:
    """一次性告知书 number: county code, local date, daily sequence (411221-GZ-20261102-001)."""
    county = code_of_path(ancestor_path(task.jurisdiction_path, Level.COUNTY))
    prefix = f"{county}-GZ-{local_date(now):%Y%m%d}-"
    count = db.session.scalar(
        select(func.count()).select_from(Suspension).where(Suspension.notice_no.like(prefix + "%"))
    )
    return f"{prefix}{(count or 0) + 1:03d}"


def suspend(
    task: Task,
    *,
    actor: User,
    reason: str,
    now: datetime,
    missing_items: Iterable[str] = (),
) -> Suspension:
    """Stop the task's clock with a reason; with missing items, issue a one-time notice."""
    if not can_act(actor, task):
        raise PermissionDenied()
    reason = reason.strip()
    items = [i.strip() for i in missing_items if i and i.strip()]
    if not reason:
        raise InvalidAction(_("请填写暂停计时的原因"))
    if task.suspended_at is not None or running_suspension(task) is not None:
        raise InvalidAction(_("该环节已暂停计时"))
    suspension = Suspension(
        task_id=task.id,
        case_id=task.case_id,
        reason=reason,
        notice_no=_next_notice_no(task, now) if items else None,
        started_at=now,
        started_by_id=actor.id,
        due_before=task.due_on,
    )
    suspension.items = [MissingItem(name=name) for name in items]
    db.session.add(suspension)
    task.suspended_at = now
    db.session.flush()
    record_event(
        task.case,
        actor=actor,
        kind="notice" if items else "suspended",
        now=now,
        reason=f"{reason}；一次性告知需补正：{'、'.join(items)}" if items else reason,
        data={
            "task_id": task.id,
            "suspension_id": suspension.id,
            "notice_no": suspension.notice_no,
            "items": items,
        },
    )
    return suspension


def receive_item(item: MissingItem, *, actor: User, now: datetime) -> Suspension:
    """Record one item of a one-time notice as received; the last one resumes the clock."""
    suspension = item.suspension
    task = db.session.get(Task, suspension.task_id)
    if task is None or not can_act(actor, task):
        raise PermissionDenied()
    if not suspension.is_running:
        raise InvalidAction(_("该告知已结束"))
    if item.received_at is not None:
        raise InvalidAction(_("“%(item)s”已登记收到", item=item.name))
    item.received_at = now
    item.received_by_id = actor.id
    record_event(
        task.case,
        actor=actor,
        kind="item_received",
        now=now,
        reason=f"已收到“{item.name}”",
        data={"suspension_id": suspension.id, "item": item.name},
    )
    if all(i.received_at is not None for i in suspension.items):
        resume(suspension, actor=actor, now=now, reason="补正材料已全部收到")
    return suspension


def resume(suspension: Suspension, *, actor: User, now: datetime, reason: str = "") -> Suspension:
    """Restart the clock; the due date moves by the working days the clock stood still."""
    task = db.session.get(Task, suspension.task_id)
    if task is None or not can_act(actor, task):
        raise PermissionDenied()
    if not suspension.is_running:
        raise InvalidAction(_("该环节未暂停计时"))
    cal = work_calendar()
    days = max(cal.working_days_between(local_date(suspension.started_at), local_date(now)), 0)
    suspension.resumed_at = now
    suspension.resumed_by_id = actor.id
    suspension.extended_days = days
    suspension.due_before = task.due_on
    if task.due_on is not None:
        task.due_on = cal.add_working_days(task.due_on, days)
    suspension.due_after = task.due_on
    task.suspended_at = None
    db.session.flush()
    moved = f"暂停{days}个工作日，办理时限顺延"
    if suspension.due_before and task.due_on:
        moved += f"：{suspension.due_before:%Y-%m-%d} → {task.due_on:%Y-%m-%d}"
    record_event(
        task.case,
        actor=actor,
        kind="resumed",
        now=now,
        reason=f"{reason}；{moved}" if reason else moved,
        data={
            "task_id": task.id,
            "suspension_id": suspension.id,
            "extended_working_days": days,
            "due_before": suspension.due_before.isoformat() if suspension.due_before else None,
            "due_after": task.due_on.isoformat() if task.due_on else None,
        },
    )
    return suspension
