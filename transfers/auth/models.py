"""Users and their role grants (a role in a jurisdiction)."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from transfers.db import UTCDateTime, utcnow
from transfers.extensions import Model
from transfers.jurisdictions.models import Jurisdiction
from workflows.roles import Role

# werkzeug's default is scrypt, a memory-hard modern algorithm. Tests lower the cost.
PASSWORD_METHOD = "scrypt"


class User(UserMixin, Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    session_token: Mapped[str] = mapped_column(String(64), default="")
    # Set when the initial password was printed for the user (accounts made in bulk).
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: the token changes on login/logout
        return f"{self.id}:{self.session_token}"

    def has_role(self, role: Role) -> bool:
        return any(g.role == role for g in self.grants)

    @property
    def roles(self) -> set[Role]:
        return {Role(g.role) for g in self.grants}


class RoleGrant(Model):
    __tablename__ = "role_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction.id"), index=True)

    user: Mapped[User] = relationship(back_populates="grants")
    jurisdiction: Mapped[Jurisdiction] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("user_id", "role", "jurisdiction_id"),)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def label(self) -> str:
        return f"{self.jurisdiction.name}{Role(self.role).label}"


class LoginThrottle(Model):
    """Failed logins per user name, known or not (so unknown names answer alike), kept in
    the database so that every server process counts the same attempts."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(40), primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
