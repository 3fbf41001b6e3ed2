"""The scheduler records each sweep it runs (one row per job, updated in place)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from transfers.extensions import db
from transfers.observability.models import JobRun
from transfers.transaction import own_transaction

SWEEP = "sweep"


def record_run(
    app: Flask, job: str, *, finished_at: datetime, duration: float, escalations: int | None
) -> None:
    """Record one run of `job` in its own transaction; `escalations` is None when the run
    failed (its totals then count a failure and keep the last successful figures)."""
    with own_transaction(app):
        row = db.session.get(JobRun, job, with_for_update=True)
        if row is None:
            row = JobRun(job=job, escalations_total=0, runs_total=0, failures_total=0)
            db.session.add(row)
        row.finished_at = finished_at
        row.duration_seconds = duration
        row.runs_total += 1
        row.succeeded = escalations is not None
        if escalations is None:
            row.failures_total += 1
            row.escalations = row.escalations or 0
        else:
            row.escalations = escalations
            row.escalations_total += escalations


def last_run(job: str) -> JobRun | None:
    return db.session.get(JobRun, job)
