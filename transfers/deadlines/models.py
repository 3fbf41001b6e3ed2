"""Configurable time limits and calendar overrides (POLICY.md, [configurable])."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from transfers.extensions import db


class TimeLimit(db.Model):
    """A limit for (procedure, state), optionally for one jurisdiction and below.

    The most specific row (longest jurisdiction path that is a prefix of the task's)
    wins; with no row, the procedure's default applies.
    """

    __tablename__ = "time_limit"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(40))
    jurisdiction_path: Mapped[str] = mapped_column(String(120), default="")
    amount: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16))

    __table_args__ = (UniqueConstraint("procedure", "state", "jurisdiction_path"),)


class CalendarOverride(db.Model):
    """A day whose working status differs from (or is missing in) the official calendar."""

    __tablename__ = "calendar_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(100), default="")
