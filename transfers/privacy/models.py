"""The access audit: every deliberate view of full ID numbers (查看完整身份证号), one
entry per view, whether of one person on a page or of many in an export."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from transfers.auth.models import User
from transfers.db import JSONType, UTCDateTime
from transfers.extensions import Model
from transfers.households.models import Person


class AccessLog(Model):
    """Append-only, hash-chained over the whole table (not per case: a person may have no
    case, and a view must not bump a case's version under an approver's open form).

    UNIQUE(prev_hash) keeps the chain linear when two views are written at once: the
    second insert onto the same head fails and is retried onto the new head.
    """

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # One person seen, or (person_id empty) the list of persons one export showed.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    person_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    field: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(200))
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))

    actor: Mapped[User] = relationship()
    person: Mapped[Person | None] = relationship()

    @property
    def persons_seen(self) -> list[int]:
        return [self.person_id] if self.person_id is not None else list(self.person_ids or [])

    def payload_extra(self) -> dict[str, Any]:
        """The person list enters the hash only when there is one (older entries hold
        none, and their hashes stay as they were)."""
        return {"person_ids": list(self.person_ids)} if self.person_ids else {}


class AuditState(Model):
    """One row per audit chain kept outside a case row: its stored head, moved by a
    compare-and-swap in the same transaction as each entry (`access_log`), and the
    switch-over point up to which rows may carry the plain SHA-256 link of before keyed
    chains (`access_log`, `event`; 0 on a database that started keyed)."""

    __tablename__ = "audit_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    head: Mapped[str] = mapped_column(String(64), default="")
    legacy_through: Mapped[int] = mapped_column(Integer, default=0)


class AuditCheckpoint(Model):
    """A signed record of the audit chains at one moment: for every chain that changed
    since the previous checkpoint, its entry count and head (`body`, canonical JSON,
    naming the previous checkpoint's signature), HMAC-signed under AUDIT_KEY."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(64))
