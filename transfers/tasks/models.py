"""Tasks: what waits for whom. The tasks table is every queue."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from transfers.auth.models import User
from transfers.cases.models import Case
from transfers.db import UTCDateTime, utcnow
from transfers.extensions import Model
from transfers.jurisdictions.models import Jurisdiction
from workflows.roles import Role


class Task(Model):
    __tablename__ = "task"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("transfer_case.id"), index=True)
    procedure: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(40))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction.id"))
    jurisdiction_path: Mapped[str] = mapped_column(String(120))
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_on: Mapped[date | None] = mapped_column(Date)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    close_action: Mapped[str | None] = mapped_column(String(40))
    # Set on the task a 退回 opens: why the step came back (queue, case page, lookup).
    return_reason: Mapped[str | None] = mapped_column(String(500))

    case: Mapped[Case] = relationship()
    jurisdiction: Mapped[Jurisdiction] = relationship()
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    __table_args__ = (
        # "My queue": open tasks of a role within a jurisdiction range, by due date.
        Index(
            "ix_task_open_queue",
            "role",
            "jurisdiction_path",
            "due_on",
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
            postgresql_ops={"jurisdiction_path": "varchar_pattern_ops"},
        ),
        # The sweep and the overdue dashboard: open tasks by due date. On PostgreSQL it
        # carries what the dashboard counts by, so a province's overdue tasks are counted
        # from the index alone.
        Index(
            "ix_task_open_due",
            "due_on",
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
            postgresql_include=[
                "jurisdiction_path",
                "role",
                "procedure",
                "jurisdiction_id",
                "case_id",
                "id",
            ],
        ),
        # Supervisors: open tasks of the offices within an area, by due date.
        Index(
            "ix_task_open_path_due",
            "jurisdiction_path",
            "due_on",
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
            postgresql_ops={"jurisdiction_path": "varchar_pattern_ops"},
        ),
        # Dashboard charts: every task (closed too) of the offices within an area, by due
        # date (the weekly "became overdue" count).
        Index(
            "ix_task_path_due",
            "jurisdiction_path",
            "due_on",
            postgresql_ops={"jurisdiction_path": "varchar_pattern_ops"},
        ),
        # At most one open task per case: a double submit cannot open two.
        Index(
            "uq_task_open_case",
            "case_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
