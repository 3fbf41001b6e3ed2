"""Showing a full ID number on purpose, and verifying the access audit chain."""

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
    }


def _head() -> str:
    return db.session.scalar(select(AccessLog.hash).order_by(AccessLog.id.desc()).limit(1)) or ""


def reveal_id_number(
    *, person: Person, actor: User, purpose: str, now: datetime, remote_addr: str = ""
) -> str:
    """Return the full ID number and append the view to the access audit.

    The caller has checked that the actor may see the household, and commits.
    """
    if purpose not in PURPOSES:
        raise ValueError(_("请选择查看事由"))
    for _attempt in range(10):
        entry = AccessLog(
            at=now,
            actor_id=actor.id,
            person_id=person.id,
            field="id_number",
            purpose=PURPOSES[purpose],
            remote_addr=(remote_addr or "")[:64],
            prev_hash=_head(),
        )
        entry.hash = chain_hash(entry.prev_hash, access_payload(entry))
        try:
            with db.session.begin_nested():
                db.session.add(entry)
                db.session.flush()
        except IntegrityError:
            continue  # someone appended onto the same head first: chain onto theirs
        return person.id_number
    raise RuntimeError("access log is too busy")  # pragma: no cover


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
