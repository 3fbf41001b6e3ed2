"""Vote sessions (表决批次): one publicity notice and one meeting decide a list of applicants
for collective-membership confirmation, each with its own tally (docs/policy.md §3)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from transfers.auth.models import User
from transfers.cases.models import Case
from transfers.db import UTCDateTime, utcnow
from transfers.extensions import Model
from transfers.jurisdictions.models import Jurisdiction
from workflows.collective_membership import BODY_LABELS, VotingBody


class VoteSession(Model):
    __tablename__ = "vote_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_no: Mapped[str] = mapped_column(String(40), unique=True)
    # The collective organization's village or community.
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction.id"), index=True)
    body: Mapped[str] = mapped_column(String(32))
    body_size: Mapped[int] = mapped_column(Integer)
    publicity_starts_on: Mapped[date] = mapped_column(Date)
    publicity_ends_on: Mapped[date] = mapped_column(Date)
    voted_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    jurisdiction: Mapped[Jurisdiction] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    entries: Mapped[list[VoteEntry]] = relationship(
        back_populates="session", order_by="VoteEntry.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("body_size > 0", name="body_size_positive"),
        CheckConstraint("publicity_ends_on >= publicity_starts_on", name="publicity_period"),
        CheckConstraint(
            "(voted_on IS NULL AND decided_at IS NULL) OR "
            "(voted_on IS NOT NULL AND decided_at IS NOT NULL)",
            name="decided_with_date",
        ),
    )

    @property
    def body_label(self) -> str:
        return BODY_LABELS[VotingBody(self.body)]

    @property
    def decided(self) -> bool:
        return self.decided_at is not None


class VoteEntry(Model):
    """One applicant of a session, with the tally and result once voted."""

    __tablename__ = "vote_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("vote_session.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("transfer_case.id"), index=True)
    in_favour: Mapped[int | None] = mapped_column(Integer)
    against: Mapped[int | None] = mapped_column(Integer)
    abstaining: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column(Boolean)

    session: Mapped[VoteSession] = relationship(back_populates="entries")
    case: Mapped[Case] = relationship()

    __table_args__ = (
        UniqueConstraint("session_id", "case_id"),
        CheckConstraint(
            "in_favour IS NULL OR (in_favour >= 0 AND against >= 0 AND abstaining >= 0)",
            name="tally_not_negative",
        ),
    )
