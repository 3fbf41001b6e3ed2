"""Showing full ID numbers on purpose (a page, an export), and verifying the access
audit chain. `Disclosure` is the one way a full number leaves the database for a user."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from transfers.auth.models import User
from transfers.engine.audit import chain_hash
from transfers.extensions import db
from transfers.households.models import Person
from transfers.privacy.models import AccessLog
from workflows.i18n import N_
from workflows.i18n import gettext as _

PURPOSES = {
    "hukou": N_("办理户口迁移，核对身份信息"),
    "social_security": N_("办理养老、医疗保险接续，核对身份信息"),
    "assistance": N_("办理低保、特困供养转移，核对身份信息"),
    "resident_request": N_("居民本人到窗口核对本人信息"),
    "correction": N_("更正登记错误"),
}


def access_payload(entry: AccessLog) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "person_id": entry.person_id,
        "field": entry.field,
        "purpose": entry.purpose,
        "remote_addr": entry.remote_addr,
        **entry.payload_extra(),
    }


def _head() -> str:
    return db.session.scalar(select(AccessLog.hash).order_by(AccessLog.id.desc()).limit(1)) or ""


def check_purpose(purpose: str) -> str:
    """The purpose's wording as recorded; ValueError (a Chinese message) if unknown."""
    if purpose not in PURPOSES:
        raise ValueError(_("请选择查看事由"))
    return PURPOSES[purpose]


class Disclosure:
    """One deliberate view of full ID numbers, of one person or of many (an export).

    Every full number shown goes through `id_number`, which notes the person; `record`
    then appends ONE access log entry listing them. The caller has checked that the
    actor may see these households, and commits.
    """

    def __init__(self, *, actor: User, purpose: str, remote_addr: str = "") -> None:
        self.purpose = check_purpose(purpose)
        self.actor = actor
        self.remote_addr = (remote_addr or "")[:64]
        self.person_ids: dict[int, None] = {}  # insertion-ordered set
        self.field = "name"  # until a whole ID number is shown

    def id_number(self, person: Person) -> str:
        self.person_ids[person.id] = None
        self.field = "id_number"
        return person.id_number

    def name(self, person: Person) -> str:
        self.person_ids[person.id] = None
        return person.name

    def record(self, now: datetime) -> AccessLog | None:
        """Append the entry (none when nobody was shown)."""
        ids = list(self.person_ids)
        if not ids:
            return None
        for _attempt in range(10):
            entry = AccessLog(
                at=now,
                actor_id=self.actor.id,
                person_id=ids[0] if len(ids) == 1 else None,
                person_ids=ids if len(ids) > 1 else [],
                field=self.field,
                purpose=self.purpose,
                remote_addr=self.remote_addr,
                prev_hash=_head(),
            )
            entry.hash = chain_hash(entry.prev_hash, access_payload(entry))
            try:
                with db.session.begin_nested():
                    db.session.add(entry)
                    db.session.flush()
            except IntegrityError:
                continue  # someone appended onto the same head first: chain onto theirs
            return entry
        raise RuntimeError("access log is too busy")  # pragma: no cover


def reveal_id_number(
    *, person: Person, actor: User, purpose: str, now: datetime, remote_addr: str = ""
) -> str:
    """Return one person's full ID number and append the view to the access audit."""
    disclosure = Disclosure(actor=actor, purpose=purpose, remote_addr=remote_addr)
    number = disclosure.id_number(person)
    disclosure.record(now)
    return number


def verify_access_log() -> tuple[int, list[str]]:
    """(entries checked, problems): an edited entry no longer matches its hash; a
    deleted one breaks the next entry's prev_hash."""
    problems: list[str] = []
    prev, count = "", 0
    for entry in db.session.scalars(select(AccessLog).order_by(AccessLog.id)):
        count += 1
        if entry.prev_hash != prev:
            problems.append(f"access log {entry.id}: previous entry missing or altered")
        elif chain_hash(prev, access_payload(entry)) != entry.hash:
            problems.append(f"access log {entry.id}: content altered")
        prev = entry.hash
    return count, problems
