"""A submission kept for a moment: a form posted after its page expired (the session
ended, the CSRF token no longer matched, the case changed meanwhile) is shown again with
everything typed. Only the random key sits in the browser's session; the values stay
here for `PENDING_TTL` and are removed as soon as the page shows them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from transfers.db import JSONType, UTCDateTime
from transfers.extensions import Model

PENDING_TTL = timedelta(hours=2)


class PendingForm(Model):
    __tablename__ = "pending_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    # Who typed it, when known; a submission made after the session ended belongs to
    # whoever signs in next in that browser (and to nobody else).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    page: Mapped[str] = mapped_column(String(500))  # where the form was shown
    action: Mapped[str] = mapped_column(String(500))  # where it was posted
    fields: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # [[name, value], ...]
    files: Mapped[int] = mapped_column(Integer, default=0)  # files chosen (never kept)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
