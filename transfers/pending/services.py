"""Keep a submission that could not be processed, and give it back once, to the page it
came from, for the person who typed it.

Never kept: passwords, the CSRF token, uploaded files (only how many there were).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from transfers.extensions import db
from transfers.pending.models import PENDING_TTL, PendingForm

NEVER_KEPT = ("csrf_token",)
MAX_FIELDS = 500
MAX_VALUE = 5000


@dataclass(frozen=True)
class Kept:
    action: str
    fields: list[tuple[str, str]]
    files: int

    def as_json(self) -> dict[str, Any]:
        return {"action": self.action, "fields": [list(pair) for pair in self.fields]}


def _keepable(name: str) -> bool:
    return name not in NEVER_KEPT and "password" not in name.lower()


def _sweep(now: datetime) -> None:
    """Submissions nobody came back for are not kept past their time."""
    db.session.execute(delete(PendingForm).where(PendingForm.created_at < now - PENDING_TTL))


def keep(
    fields: Iterable[tuple[str, str]],
    *,
    files: int,
    page: str,
    action: str,
    user_id: int | None,
    now: datetime,
) -> str:
    """Keep a submission; its key (for the browser's session). Expired ones go."""
    _sweep(now)
    kept = [(n, v[:MAX_VALUE]) for n, v in fields if _keepable(n)][:MAX_FIELDS]
    key = secrets.token_urlsafe(32)
    db.session.add(
        PendingForm(
            key=key,
            user_id=user_id,
            page=page[:500],
            action=action[:500],
            fields=kept,
            files=files,
            created_at=now,
        )
    )
    db.session.flush()
    return key


def adopt(key: str, user_id: int) -> None:
    """The person signing in takes a submission made after their session ended."""
    row = db.session.scalar(select(PendingForm).where(PendingForm.key == key))
    if row is not None and row.user_id is None:
        row.user_id = user_id
        db.session.flush()


def claim(key: str, *, page: str, user_id: int, now: datetime) -> Kept | None:
    """The submission kept under `key` for this page and this user, removed as it is
    given; None when there is none (or it expired, or is another page's or user's).
    Expired submissions of anyone go."""
    _sweep(now)
    row = db.session.scalar(select(PendingForm).where(PendingForm.key == key))
    if row is None:
        return None
    if row.user_id not in (None, user_id):
        db.session.delete(row)
        db.session.flush()
        return None
    if row.page != page:
        return None
    kept = Kept(row.action, [(str(n), str(v)) for n, v in row.fields], row.files)
    db.session.delete(row)
    db.session.flush()
    return kept
