"""Showing full ID numbers on purpose (a page, an export), and verifying the access
audit chain. `Disclosure` is the one way a full number leaves the database for a user."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from transfers.auth.models import User
from transfers.db import table_of
from transfers.engine.audit import chain_hash, link_matches
from transfers.extensions import db
from transfers.households.models import Person
from transfers.privacy.models import AccessLog, AuditState
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


ACCESS_CHAIN = "access_log"
_state_t = table_of(AuditState)


class _HeadMoved(Exception):
    """Another entry moved the access log's head first."""


def access_state() -> AuditState | None:
    """The access log's stored head and switch-over point (none before its first entry)."""
    return db.session.get(AuditState, ACCESS_CHAIN, populate_existing=True)


def _move_head(old: str | None, new: str) -> None:
    """Compare-and-swap the stored head from `old` to `new` (`old` None: no row yet)."""
    if old is None:
        db.session.execute(insert(_state_t).values(name=ACCESS_CHAIN, head=new, legacy_through=0))
        return
    moved = db.session.execute(
        update(_state_t)
        .where(_state_t.c.name == ACCESS_CHAIN, _state_t.c.head == old)
        .values(head=new)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult for UPDATE
        raise _HeadMoved()


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
            state = access_state()
            head = state.head if state is not None else None
            entry = AccessLog(
                at=now,
                actor_id=self.actor.id,
                person_id=ids[0] if len(ids) == 1 else None,
                person_ids=ids if len(ids) > 1 else [],
                field=self.field,
                purpose=self.purpose,
                remote_addr=self.remote_addr,
                prev_hash=head or "",
            )
            entry.hash = chain_hash(entry.prev_hash, access_payload(entry))
            try:
                with db.session.begin_nested():
                    _move_head(head, entry.hash)
                    db.session.add(entry)
                    db.session.flush()
            except (IntegrityError, _HeadMoved):
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


def access_chain_state() -> tuple[int, str]:
    """(entries, stored head) of the access log now, as a checkpoint records it."""
    state = access_state()
    count = db.session.scalar(select(func.count()).select_from(AccessLog)) or 0
    return count, state.head if state is not None else ""


def verify_access_log(expected: tuple[int, str] | None = None) -> tuple[int, list[str]]:
    """(entries checked, problems): an edited entry no longer matches its keyed hash; a
    deleted one breaks the next entry's prev_hash; deleted newest entries leave the chain
    short of its stored head; `expected` (count, head) from the last checkpoint catches
    newest entries cut together with a rewound head."""
    problems: list[str] = []
    state = access_state()
    legacy_through = state.legacy_through if state is not None else 0
    prev, count = "", 0
    for entry in db.session.scalars(select(AccessLog).order_by(AccessLog.id)):
        count += 1
        legacy = entry.id <= legacy_through
        if entry.prev_hash != prev:
            problems.append(f"access log {entry.id}: previous entry missing or altered")
        elif not link_matches(prev, access_payload(entry), entry.hash, legacy=legacy):
            problems.append(f"access log {entry.id}: content altered")
        prev = entry.hash
        if expected is not None and count == expected[0] and prev != expected[1]:
            problems.append(f"access log {entry.id}: differs from the signed checkpoint")
    if prev != (state.head if state is not None else ""):
        problems.append("access log: newest entries missing (chain ends before its head)")
    if expected is not None and count < expected[0]:
        problems.append(
            f"access log: {expected[0] - count} entries missing since the signed checkpoint"
        )
    return count, problems
