"""Configurable time limits and calendar overrides (docs/policy.md, [configurable])."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from transfers.auth.models import User
from transfers.cases.models import Event
from transfers.db import UTCDateTime
from transfers.extensions import Model
from transfers.tasks.models import Task
from workflows.i18n import N_


class TimeLimit(Model):
    """A limit for (procedure, state), optionally for one jurisdiction and below.

    The most specific row (longest jurisdiction path that is a prefix of the task's)
    wins; with no row, the procedure's default applies.
    """

    __tablename__ = "time_limit"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(40))
    jurisdiction_path: Mapped[str] = mapped_column(String(120), default="")
    amount: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16))

    __table_args__ = (UniqueConstraint("procedure", "state", "jurisdiction_path"),)


class CalendarOverride(Model):
    """A day whose working status differs from (or is missing in) the official calendar."""

    __tablename__ = "calendar_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(100), default="")


class Suspension(Model):
    """The clock of a task stopped (挂起/暂停计时) with a reason; resumed later (恢复计时).

    A suspension for missing documents carries the one-time notice (一次性告知): every
    missing item is listed at once (MissingItem rows) under one notice number, and the
    clock resumes when the last item is recorded as received.
    """

    __tablename__ = "suspension"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("transfer_case.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    notice_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resumed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Working days the due date moved on resuming.
    extended_days: Mapped[int | None] = mapped_column(Integer)
    due_before: Mapped[date | None] = mapped_column(Date)
    due_after: Mapped[date | None] = mapped_column(Date)

    items: Mapped[list[MissingItem]] = relationship(
        back_populates="suspension", order_by="MissingItem.id", cascade="all, delete-orphan"
    )
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])
    resumed_by: Mapped[User | None] = relationship(foreign_keys=[resumed_by_id])

    __table_args__ = (
        # At most one running suspension per task.
        Index(
            "uq_suspension_running_task",
            "task_id",
            unique=True,
            sqlite_where=text("resumed_at IS NULL"),
            postgresql_where=text("resumed_at IS NULL"),
        ),
        CheckConstraint(
            "resumed_at IS NULL OR extended_days IS NOT NULL", name="resumed_has_extension"
        ),
    )

    @property
    def is_running(self) -> bool:
        return self.resumed_at is None

    @property
    def is_notice(self) -> bool:
        return self.notice_no is not None


class MissingItem(Model):
    """One item of a one-time notice (一次性告知), recorded as received one by one."""

    __tablename__ = "missing_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    suspension_id: Mapped[int] = mapped_column(ForeignKey("suspension.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    suspension: Mapped[Suspension] = relationship(back_populates="items")
    received_by: Mapped[User | None] = relationship()


class EscalationLevel(StrEnum):
    """Reminder before the limit; 催办 by the township at it; 督办 by the county later."""

    REMINDER = "reminder"
    TOWNSHIP = "township"
    DISTRICT = "district"

    @property
    def label(self) -> str:
        return {"reminder": N_("到期提醒"), "township": N_("催办"), "district": N_("督办")}[self]

    @property
    def rank(self) -> int:
        return list(EscalationLevel).index(self)


class Escalation(Model):
    """One level of one task, recorded exactly once (UNIQUE task_id, level)."""

    __tablename__ = "escalation"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("transfer_case.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    due_on: Mapped[date] = mapped_column(Date)
    to_role: Mapped[str] = mapped_column(String(40))
    to_path: Mapped[str] = mapped_column(String(120))

    task: Mapped[Task] = relationship()

    __table_args__ = (UniqueConstraint("task_id", "level"),)

    @property
    def level_enum(self) -> EscalationLevel:
        return EscalationLevel(self.level)


Event.KIND_LABELS.update(
    {
        "suspended": N_("挂起（暂停计时）"),
        "notice": N_("一次性告知"),
        "item_received": N_("补正材料收到"),
        "resumed": N_("恢复计时"),
        "reminder": N_("到期提醒"),
        "township": N_("催办"),
        "district": N_("督办"),
    }
)
