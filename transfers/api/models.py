"""Personal API tokens: created by a user, acting with that user's grants (or only
reading with them), until they expire or are revoked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from transfers.auth.models import User
from transfers.db import UTCDateTime, utcnow
from transfers.extensions import Model


class ApiToken(Model):
    """Only the SHA-256 of the secret is stored; the secret is shown once, at creation."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    # The first characters of the secret, so a user can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A read-only token may only read (GET); any other request is refused with 403.
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        """Not revoked (an expired token is shown as expired, see `expired`)."""
        return self.revoked_at is None

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now

    def usable(self, now: datetime) -> bool:
        return self.active and not self.expired(now)
