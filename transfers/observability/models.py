"""What the scheduler records of its runs, for /healthz and /metrics."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from transfers.db import UTCDateTime
from transfers.extensions import Model


class JobRun(Model):
    """One row per scheduler job (``sweep``), updated after each of its runs: when it
    last finished, how long it took, and running totals since the row was created."""

    __tablename__ = "job_run"

    job: Mapped[str] = mapped_column(String(32), primary_key=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[float] = mapped_column(Float)
    # Escalations (reminders, 催办, 督办) recorded by the last run and by every run.
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    escalations_total: Mapped[int] = mapped_column(Integer, default=0)
    runs_total: Mapped[int] = mapped_column(Integer, default=0)
    failures_total: Mapped[int] = mapped_column(Integer, default=0)
    succeeded: Mapped[bool] = mapped_column(default=True)
