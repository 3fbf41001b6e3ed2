"""Notifications (站内消息) and the e-mail address a user wants copies sent to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from transfers.auth.models import User
from transfers.db import UTCDateTime
from transfers.extensions import Model


class Notification(Model):
    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(2000), default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("transfer_case.id"))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set once the e-mail copy went out (or when there is nobody to mail).
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)


class MailAddress(Model):
    """Where a user's notifications are copied by e-mail (optional, one per user)."""

    __tablename__ = "mail_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    email: Mapped[str] = mapped_column(String(200))
