"""Writing to users' inboxes (in the caller's transaction) and reading them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CursorResult, Select, case, func, select, update

from transfers.auth.models import RoleGrant, User
from transfers.extensions import db
from transfers.inbox.models import MailAddress, Notification
from transfers.jurisdictions.models import Jurisdiction


def holders(role: str, path: str) -> list[User]:
    """Active users holding `role` for exactly the jurisdiction at `path`."""
    return list(
        db.session.scalars(
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .join(Jurisdiction, Jurisdiction.id == RoleGrant.jurisdiction_id)
            .where(RoleGrant.role == role, Jurisdiction.path == path, User.active.is_(True))
            .order_by(User.id)
        )
    )


def holders_of(offices: set[tuple[str, str]]) -> dict[tuple[str, str], list[User]]:
    """`holders` of many (role, path) offices at once: {office: users}."""
    found: dict[tuple[str, str], list[User]] = {office: [] for office in offices}
    roles = {role for role, _path in offices}
    paths = {path for _role, path in offices}
    rows = db.session.execute(
        select(RoleGrant.role, Jurisdiction.path, User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .join(Jurisdiction, Jurisdiction.id == RoleGrant.jurisdiction_id)
        .where(RoleGrant.role.in_(roles), Jurisdiction.path.in_(paths), User.active.is_(True))
        .order_by(User.id)
    )
    for role, path, user in rows:
        if (role, path) in found:
            found[(role, path)].append(user)
    return found


def notify(
    user_ids: Iterable[int],
    *,
    kind: str,
    title: str,
    body: str,
    now: datetime,
    case_id: int | None = None,
    flush: bool = True,
) -> list[Notification]:
    """One inbox message per user (each user once). E-mail copies go after the commit.
    With flush=False the caller flushes (the sweep writes its messages in batches)."""
    rows = []
    for user_id in dict.fromkeys(user_ids):
        row = Notification(
            user_id=user_id, at=now, kind=kind, title=title, body=body, case_id=case_id
        )
        db.session.add(row)
        rows.append(row)
    if flush:
        db.session.flush()
    return rows


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def inbox_query(user: User, unread_only: bool = False) -> Select[Notification]:
    q = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        q = q.where(Notification.read_at.is_(None))
    return q.order_by(Notification.id.desc())


# The line a message is shown on: one per case (minus its id, apart from any message
# id), each message about no case (the daily digest) on its own.
_GROUP = case((Notification.case_id.is_not(None), -Notification.case_id), else_=Notification.id)


@dataclass(frozen=True)
class InboxLine:
    """One line of the inbox: a case's latest message, with how many the case has and
    how many of them are unread (a message about no case: just itself)."""

    latest: Notification
    count: int
    unread: int


def inbox_lines_query(user: User, unread_only: bool = False) -> Select[int]:
    """The id of each line's latest message, newest line first (to paginate)."""
    q = (
        select(func.max(Notification.id))
        .where(Notification.user_id == user.id)
        .group_by(_GROUP)
        .order_by(func.max(Notification.id).desc())
    )
    if unread_only:
        q = q.having(func.count(Notification.read_at) < func.count(Notification.id))
    return q


def inbox_lines(user: User, latest_ids: Sequence[int]) -> list[InboxLine]:
    """The lines whose latest messages are `latest_ids`, in that order."""
    latest = {
        n.id: n
        for n in db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id, Notification.id.in_(latest_ids)
            )
        )
    }
    cases = {n.case_id for n in latest.values() if n.case_id is not None}
    counts = {
        case_id: (total, total - read)
        for case_id, total, read in db.session.execute(
            select(
                Notification.case_id, func.count(Notification.id), func.count(Notification.read_at)
            )
            .where(Notification.user_id == user.id, Notification.case_id.in_(cases))
            .group_by(Notification.case_id)
        )
    }
    lines = []
    for i in latest_ids:
        n = latest[i]
        count, unread = counts.get(n.case_id or 0, (1, 0 if n.read_at else 1))
        lines.append(InboxLine(n, count, unread))
    return lines


def case_messages(user: User, case_id: int) -> Select[Notification]:
    """All of the user's messages about one case, newest first."""
    return inbox_query(user).where(Notification.case_id == case_id)


def mark_read(
    user: User,
    *,
    now: datetime,
    notification_id: int | None = None,
    case_id: int | None = None,
) -> int:
    """Mark one message, a case's messages, or all of the user's unread messages read;
    returns how many."""
    stmt = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    if case_id is not None:
        stmt = stmt.where(Notification.case_id == case_id)
    result = db.session.execute(
        stmt.values(read_at=now).execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)  # an UPDATE reports its row count
    return result.rowcount or 0


def mail_address(user: User) -> str:
    row = db.session.scalar(select(MailAddress).where(MailAddress.user_id == user.id))
    return row.email if row else ""


def set_mail_address(user: User, email: str) -> None:
    email = email.strip()
    row = db.session.scalar(select(MailAddress).where(MailAddress.user_id == user.id))
    if not email:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(MailAddress(user_id=user.id, email=email))
    else:
        row.email = email
    db.session.flush()
