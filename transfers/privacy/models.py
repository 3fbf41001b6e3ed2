"""The access audit: every deliberate view of a full ID number (查看完整身份证号)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from transfers.auth.models import User
from transfers.db import UTCDateTime
from transfers.extensions import db
from transfers.households.models import Person


class AccessLog(db.Model):
    """Append-only, hash-chained over the whole table (not per case: a person may have no
    case, and a view must not bump a case's version under an approver's open form).

    UNIQUE(prev_hash) keeps the chain linear when two views are written at once: the
    second insert onto the same head fails and is retried onto the new head.
    """

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(200))
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))

    actor: Mapped[User] = relationship()
    person: Mapped[Person] = relationship()
