"""Failed-login counting in SQL: one atomic statement per attempt, for any user name.

Each attempt is counted before its password is checked, so a burst of parallel guesses
cannot slip past the limit: only the first `max_failures` attempts of a window get an
answer about the password, the rest are locked out. Unknown names are counted like known
ones, so the answers do not tell which accounts exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, null, select, update
from sqlalchemy.dialects import postgresql, sqlite

from transfers.auth.models import LoginThrottle
from transfers.extensions import db


@dataclass(frozen=True)
class Attempt:
    number: int  # this attempt's number in the current window (1 = first)
    locked_until: datetime | None


def throttle_key(username: str) -> str:
    return username.strip().lower()[:40]


def count_attempt(username: str, *, now: datetime, window_minutes: int) -> Attempt:
    """Count one login attempt for `username`. A window ends when its lock has expired or
    when the last attempt is older than `window_minutes`; the count then starts again."""
    key = throttle_key(username)
    t = LoginThrottle
    stale = (t.last_at <= now - timedelta(minutes=window_minutes)) | (t.locked_until <= now)
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(t).values(username=key, attempts=1, last_at=now, locked_until=None)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.username],
        set_={
            "attempts": case((stale, 1), else_=t.attempts + 1),
            "locked_until": case((stale, null()), else_=t.locked_until),
            "last_at": now,
        },
    ).returning(t.attempts, t.locked_until)
    row = db.session.execute(stmt).one()
    return Attempt(row.attempts, row.locked_until)


def lock(username: str, *, until: datetime) -> None:
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.username == throttle_key(username))
        .where(LoginThrottle.locked_until.is_(None))
        .values(locked_until=until)
    )


def clear(username: str) -> None:
    """A successful login, or an administrator's reset: the count starts again."""
    db.session.execute(
        delete(LoginThrottle).where(LoginThrottle.username == throttle_key(username))
    )


def locked_names(now: datetime) -> set[str]:
    """The user names locked out at `now` (for the administrators' list of accounts)."""
    rows = db.session.scalars(
        select(LoginThrottle.username).where(LoginThrottle.locked_until > now)
    )
    return set(rows)
