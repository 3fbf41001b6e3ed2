"""Problems of the problem and rectification ledgers (问题台账, 整改台账; docs/policy.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from transfers.auth.models import User
from transfers.cases.models import Case, Event
from transfers.db import JSONType, UTCDateTime
from transfers.extensions import Model
from transfers.tasks.models import Task
from workflows.i18n import N_

PROBLEM_KINDS = {"overdue": N_("办理超期"), "violation": N_("违规情形")}


class Problem(Model):
    """A problem stays open until closed off (销号) with a recorded resolution and closer."""

    __tablename__ = "problem"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    case_id: Mapped[int] = mapped_column(ForeignKey("transfer_case.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    # The source, unique so that a sweep repeated or run twice opens a problem once.
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalation.id"), unique=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"), unique=True)
    jurisdiction_path: Mapped[str] = mapped_column(String(120))
    office: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(String(1000))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    measures: Mapped[str] = mapped_column(String(1000), default="")
    rectify_by: Mapped[date | None] = mapped_column(Date)
    resolution: Mapped[str | None] = mapped_column(String(1000))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    case: Mapped[Case] = relationship()
    task: Mapped[Task | None] = relationship()
    closed_by: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint(
            "closed_at IS NULL OR (resolution IS NOT NULL AND resolution <> '' "
            "AND closed_by_id IS NOT NULL)",
            name="closed_needs_resolution",
        ),
        Index(
            "ix_problem_jurisdiction_path",
            "jurisdiction_path",
            postgresql_ops={"jurisdiction_path": "varchar_pattern_ops"},
        ),
    )

    @property
    def number(self) -> str:
        return f"WT{self.opened_at:%Y}-{self.id:05d}"

    @property
    def kind_label(self) -> str:
        return PROBLEM_KINDS.get(self.kind, self.kind)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


# Violations flagged by procedures are events of kind "violation"; the sweep finds the
# ones without a problem through this small partial index instead of scanning events.
Index(
    "ix_event_violation",
    Event.__table__.c.id,
    sqlite_where=text("kind = 'violation'"),
    postgresql_where=text("kind = 'violation'"),
)
Event.KIND_LABELS.update(
    {
        "violation": N_("违规预警"),
        "problem_opened": N_("列入问题台账"),
        "problem_closed": N_("问题销号"),
    }
)


class DashboardSnapshot(Model):
    """The overdue dashboard of a large jurisdiction (province, city) without filters,
    computed by the scheduler each minute (``supervision.snapshot``): counting a
    province's open cases and overdue tasks live takes longer than a page may."""

    __tablename__ = "dashboard_snapshot"

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date)  # the local day the overdue counts are for
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
