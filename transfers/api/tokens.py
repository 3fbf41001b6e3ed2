"""Creating, checking and revoking personal API tokens.

A token is the user acting through a program: it carries exactly the user's role grants
(read at each request, so a removed grant is removed from the token too), or, for a
read-only token, only the right to read with them. Every token expires (90 days unless
chosen otherwise when it is created). Only a hash is stored; the secret is shown once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from transfers.api.models import ApiToken
from transfers.auth.models import User
from transfers.extensions import db

PREFIX = "ht_"
DEFAULT_DAYS = 90
LIFETIMES = (30, 90, 180, 365)  # days a user may choose from
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    user: User,
    name: str,
    *,
    now: datetime,
    days: int = DEFAULT_DAYS,
    read_only: bool = False,
) -> tuple[ApiToken, str]:
    """Returns the token row and its secret (to show once; it cannot be recovered)."""
    if days not in LIFETIMES:
        raise ValueError(f"token lifetime must be one of {LIFETIMES} days")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip()[:60] or "API",
        prefix=secret[:10],
        token_hash=_digest(secret),
        created_at=now,
        expires_at=now + timedelta(days=days),
        read_only=read_only,
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke_token(token: ApiToken, *, now: datetime) -> None:
    if token.revoked_at is None:
        token.revoked_at = now
        db.session.flush()


def token_for_secret(secret: str, *, now: datetime) -> ApiToken | None:
    """The token of `secret` if it is neither revoked nor expired and its user is
    active; else None."""
    if not secret.startswith(PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or not token.usable(now):
        return None
    user: User | None = token.user
    if user is None or not user.active:
        return None
    # Recorded at most once a minute, so reads do not write on every request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
    return token


def may_send(token: ApiToken, method: str) -> bool:
    """Whether the token may make a request of this HTTP method."""
    return not token.read_only or method.upper() in READ_METHODS
