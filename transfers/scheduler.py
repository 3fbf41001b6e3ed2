"""The one scheduler process (docs/deadlines.md): APScheduler runs the sweep every minute,
sends the supervisors' daily digest and signs an audit checkpoint once a day.

Started by `make run` next to the web server (`flask scheduler`), never inside web
workers. Each run is one transaction, committed here; e-mail goes out after the commit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from transfers.db import utcnow
from transfers.deadlines.sweep import EscalationPolicy, SweepResult, sweep
from transfers.inbox.mail import SmtpSettings, deliver
from transfers.observability.runs import SWEEP, record_run
from transfers.transaction import own_transaction
from workflows.calendar import local_date

log = logging.getLogger("transfers.scheduler")


def run_sweep(app: Flask, now: datetime | None = None) -> SweepResult:
    """One sweep in its own app context and transaction; mail after the commit."""
    now = now or utcnow()
    with own_transaction(app):
        result = sweep(now, EscalationPolicy.from_config(app.config))
    _mail(app, result.notification_ids, now)
    return result


def _mail(app: Flask, notification_ids: list[int], now: datetime) -> None:
    """Mail the notifications a committed job created, in an app context of its own."""
    with app.app_context():
        deliver(
            notification_ids,
            SmtpSettings.from_config(app.config),
            now=now,
            base_url=str(app.config.get("BASE_URL") or ""),
        )


def run_snapshots(app: Flask, now: datetime | None = None) -> int:
    """Refresh the province and city dashboard snapshots in their own transaction."""
    from transfers.supervision import snapshot

    now = now or utcnow()
    with own_transaction(app):
        n = snapshot.refresh(local_date(now), now)
    return n


def run_checkpoint(app: Flask, now: datetime | None = None) -> tuple[int, str]:
    """Write a signed audit checkpoint in its own transaction: (its id, its signature)."""
    from transfers.engine.checkpoint import write_checkpoint

    with own_transaction(app):
        checkpoint = write_checkpoint(now or utcnow())
        result = (checkpoint.id, checkpoint.signature)
    log.info("audit checkpoint %d signed: %s", *result)
    return result


def run_digest(app: Flask, now: datetime | None = None) -> int:
    """Send the supervisors' daily digest in its own transaction; mail after the commit.
    Returns how many digests went out."""
    from transfers.inbox.digest import send_digests

    now = now or utcnow()
    with own_transaction(app):
        ids = [n.id for n in send_digests(now)]
    _mail(app, ids, now)
    log.info("supervisors' daily digest: %d messages", len(ids))
    return len(ids)


def _digest_job(app: Flask) -> None:
    try:
        run_digest(app)
    except Exception:  # noqa: BLE001 - logged; the next digest covers the day too
        log.exception("supervisors' daily digest failed")


def run_import_housekeeping(app: Flask, now: datetime | None = None) -> int:
    """Clear the staged ledger rows older than 7 days, and fail the jobs that lost their
    worker (transfers/imports/jobs.py)."""
    from transfers.imports.jobs import fail_stalled, housekeeping

    with own_transaction(app):
        n = housekeeping(now or utcnow())
    with own_transaction(app):
        stalled = fail_stalled(now or utcnow())
    if stalled:
        log.warning("import jobs: %d stalled jobs failed", stalled)
    return n


def _housekeeping_job(app: Flask) -> None:
    try:
        cleared = run_import_housekeeping(app)
    except Exception:  # noqa: BLE001 - logged; the next run retries
        log.exception("import housekeeping failed")
    else:
        if cleared:
            log.info("import housekeeping: %d staged batches cleared", cleared)


def _checkpoint_job(app: Flask) -> None:
    try:
        run_checkpoint(app)
    except Exception:  # noqa: BLE001 - logged; tomorrow's checkpoint covers today
        log.exception("audit checkpoint failed")


def _job(app: Flask) -> None:
    started = time.perf_counter()
    escalations: int | None = None
    try:
        result = run_sweep(app)
    except Exception:  # noqa: BLE001 - logged; the next run catches up
        log.exception("sweep failed; the next run will catch up")
    else:
        escalations = sum(result.escalations.values())
        if result.total or result.skipped:
            log.info("sweep: %s", result.summary())
    try:  # for /healthz (the last sweep's age) and /metrics
        record_run(
            app,
            SWEEP,
            finished_at=utcnow(),
            duration=time.perf_counter() - started,
            escalations=escalations,
        )
    except Exception:  # noqa: BLE001 - logged; the sweep itself is done
        log.exception("could not record the sweep run")
    try:
        run_snapshots(app)
    except Exception:  # noqa: BLE001 - logged; the page counts live meanwhile
        log.exception("dashboard snapshots failed; the next run will retry")


def build_scheduler(app: Flask, interval_seconds: int = 60) -> BlockingScheduler:
    """The scheduler with its jobs: the sweep every `interval_seconds` (the first one
    now), the supervisors' digest daily at DIGEST_HOUR and the signed audit checkpoint
    once a day at night."""
    from transfers.inbox.digest import digest_hour

    scheduler = BlockingScheduler(timezone="Asia/Shanghai")
    _add(
        scheduler, _job, app, "sweep", "interval", seconds=interval_seconds, next_run_time=utcnow()
    )
    # The signed audit checkpoint (docs/SECURITY.md, Audit).
    _add_daily(scheduler, _checkpoint_job, app, "audit-checkpoint", hour=0, minute=30)
    # The supervisors' daily digest (docs/deadlines.md), instead of a message per 催办/督办.
    _add_daily(scheduler, _digest_job, app, "supervisor-digest", hour=digest_hour(app.config))
    # Staged ledger rows (full ID numbers) live 7 days at most.
    # and a job whose worker died is failed within minutes, not left running.
    _add(scheduler, _housekeeping_job, app, "import-housekeeping", "interval", minutes=5)
    return scheduler


def _add(
    scheduler: BlockingScheduler,
    job: Callable[[Flask], None],
    app: Flask,
    job_id: str,
    trigger: str,
    **when: Any,
) -> None:
    """Add a job: never two runs of it at once, and runs it missed folded into one."""
    scheduler.add_job(job, trigger, args=[app], id=job_id, max_instances=1, coalesce=True, **when)


def _add_daily(
    scheduler: BlockingScheduler,
    job: Callable[[Flask], None],
    app: Flask,
    job_id: str,
    *,
    hour: int,
    minute: int = 0,
) -> None:
    """Add a job run once a day at `hour`:`minute`; a run missed while the scheduler was
    down still runs within six hours."""
    _add(scheduler, job, app, job_id, "cron", hour=hour, minute=minute, misfire_grace_time=6 * 3600)


def run_scheduler(app: Flask, interval_seconds: int = 60) -> None:
    """Block, running the sweep now and then every `interval_seconds`, and the audit
    checkpoint daily."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    scheduler = build_scheduler(app, interval_seconds)
    log.info("scheduler started: sweep every %d s, audit checkpoint daily", interval_seconds)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
