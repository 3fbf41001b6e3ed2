"""Intakes (one window, one receipt), cases, their events (timeline + audit), documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from transfers.auth.models import User
from transfers.db import JSONType, UTCDateTime, utcnow
from transfers.extensions import Model
from transfers.households.models import Household, Person
from transfers.jurisdictions.models import Jurisdiction
from workflows.base import Procedure
from workflows.i18n import N_
from workflows.registry import get_procedure


class Intake(Model):
    """One visit to the window: one receipt number (办件编号) for the cases it opened."""

    __tablename__ = "intake"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(24), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    household: Mapped[Household] = relationship()
    opened_by: Mapped[User] = relationship()
    cases: Mapped[list[Case]] = relationship(back_populates="intake", order_by="Case.id")


class Case(Model):
    """One procedure for one person (or household). Optimistically locked by `version`."""

    __tablename__ = "transfer_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure: Mapped[str] = mapped_column(String(32))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    intake_id: Mapped[int | None] = mapped_column(ForeignKey("intake.id"), index=True)
    state: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction.id"))
    jurisdiction_path: Mapped[str] = mapped_column(String(120))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Head of this case's event hash chain (docs/architecture.md, Tables: event).
    last_event_hash: Mapped[str] = mapped_column(String(64), default="")

    household: Mapped[Household] = relationship()
    person: Mapped[Person | None] = relationship()
    intake: Mapped[Intake | None] = relationship(back_populates="cases")
    jurisdiction: Mapped[Jurisdiction] = relationship()
    events: Mapped[list[Event]] = relationship(
        back_populates="case", order_by="Event.id", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(
            "(closed_at IS NULL AND outcome IS NULL) OR "
            "(closed_at IS NOT NULL AND outcome IS NOT NULL)",
            name="outcome_only_when_closed",
        ),
        # One open case per person and procedure.
        Index(
            "uq_transfer_case_open_person_procedure",
            "person_id",
            "procedure",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        Index(
            "ix_transfer_case_jurisdiction_path",
            "jurisdiction_path",
            postgresql_ops={"jurisdiction_path": "varchar_pattern_ops"},
        ),
        # Supervisors: the open cases within an area (then their open task).
        Index(
            "ix_transfer_case_open_path",
            "jurisdiction_path",
            "id",
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
            postgresql_ops={"jurisdiction_path": "varchar_pattern_ops"},
        ),
    )

    @property
    def workflow(self) -> Procedure:
        return get_procedure(self.procedure)

    @property
    def state_label(self) -> str:
        return self.workflow.state(self.state).label

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def subject_name(self) -> str:
        if self.person is not None:
            return self.person.name
        head = self.household.head
        return head.name if head else ""


class Event(Model):
    """Append-only: every change to a case, the timeline and the audit record."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("transfer_case.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(24))
    action: Mapped[str] = mapped_column(String(40), default="")
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(1000), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_event_case_id_id", "case_id", "id"),)

    KIND_LABELS = {
        "opened": N_("受理"),
        "transition": N_("办理"),
        "claimed": N_("认领"),
        "released": N_("释放认领"),
        "document": N_("上传材料"),
        "reevaluated": N_("关联事项变化"),
        "violation": N_("违规预警"),
        "viewed_id": N_("查看完整身份证号"),
    }

    @property
    def kind_label(self) -> str:
        return self.KIND_LABELS.get(self.kind, self.kind)


class Document(Model):
    """A file attached to a case, stored on disk under the instance folder."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("transfer_case.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[User] = relationship()
