"""Ledger imports as background jobs, and the life of staged rows.

The batch row is the job: its `status` (queued, checking, previewed, importing, done,
failed, abandoned) and its counters (`checked_rows`, `processed_households`) are what
the page polls and the command line prints. The web process runs each job in a worker
thread of its own (`start`), with its own app context and database session, committing
after every chunk so progress is visible at once; `IMPORT_JOBS = "inline"` runs it in
the request instead (tests, or a server that forbids threads). A job that dies with its
process leaves its batch `checking` or `importing`: with no progress for 15 minutes
(`progress_at`), the scheduler fails it with a message (`fail_stalled`).

The uploaded file is kept, under the instance folder, only while its batch may be
checked again (another sheet, place names confirmed, 安置点 created); it is deleted with
the staged rows when the batch is imported or abandoned, and after 7 days at the latest
(`housekeeping`, run by the scheduler).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from flask.ctx import AppContext
from sqlalchemy import delete, func, select

from transfers.db import utcnow
from transfers.extensions import db
from transfers.imports.checking import stage_ledger
from transfers.imports.ledger import LedgerFormatError
from transfers.imports.models import ImportBatch, ImportRow
from transfers.imports.writing import import_step
from workflows.i18n import gettext as _

log = logging.getLogger("transfers.imports")
KEEP_STAGED = timedelta(days=7)
STALLED = timedelta(minutes=15)  # a chunk takes seconds: a job this quiet lost its worker
_threads: dict[int, threading.Thread] = {}


def upload_path(batch: ImportBatch) -> Path:
    """Where a batch's file waits for its checks."""
    folder = Path(
        current_app.config.get("IMPORT_FOLDER") or Path(current_app.instance_path) / "imports"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{batch.id}{Path(batch.filename).suffix.lower()}"


def _commit_progress(batch: ImportBatch) -> None:
    batch.progress_at = utcnow()
    db.session.commit()


def check(batch_id: int) -> ImportBatch | None:
    """Check (again) a queued batch from its file; a file that cannot be read fails it."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.status != "queued":
        return batch
    path = upload_path(batch)
    _commit_progress(batch)
    try:
        stage_ledger(
            path,
            batch.filename,
            actor=batch.user,
            now=utcnow(),
            batch=batch,
            sheet=batch.sheet_name,
            progress=_commit_progress,
        )
    except LedgerFormatError as e:
        db.session.rollback()
        _fail(batch_id, str(e))
        return db.session.get(ImportBatch, batch_id)
    db.session.commit()
    return batch


def _fail(batch_id: int, message: str) -> None:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        return
    db.session.execute(delete(ImportRow).where(ImportRow.batch_id == batch_id))
    batch.status, batch.job_error = "failed", message[:300]
    _remove_file(batch)  # nothing can be checked again in it
    db.session.commit()


def run_import(batch_id: int) -> ImportBatch | None:
    """Register the valid households of a previewed batch, a chunk per commit."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.status not in ("previewed", "importing"):
        return batch
    done = False
    while not done:
        done = import_step(batch, now=utcnow())
        _commit_progress(batch)
    _remove_file(batch)
    return batch


def _guarded(context: AppContext, job: Callable[[int], object], batch_id: int) -> None:
    with context:
        try:
            job(batch_id)
        except Exception:  # noqa: BLE001 - logged; the batch says the job stopped
            log.exception("import job %s of batch %s failed", job.__name__, batch_id)
            db.session.rollback()
            _fail(batch_id, _("导入任务意外中断，请重新上传"))
        finally:
            db.session.remove()
            _threads.pop(batch_id, None)


def start(job: Callable[[int], object], batch: ImportBatch) -> None:
    """Run `job` (check or run_import) for a committed batch, in a worker thread."""
    if current_app.config.get("IMPORT_JOBS") == "inline":
        job(batch.id)
        return
    # A new app context of this app, pushed by the thread: its own `g` and session.
    context = current_app.app_context()
    thread = threading.Thread(
        target=_guarded, args=(context, job, batch.id), name=f"import-{batch.id}", daemon=True
    )
    _threads[batch.id] = thread
    thread.start()


def wait(batch_id: int, timeout: float | None = None) -> None:
    """Wait for a batch's job of this process (tests, the command line)."""
    thread = _threads.get(batch_id)
    if thread is not None:
        thread.join(timeout)


def requeue(batch: ImportBatch, *, sheet: str | None = None) -> None:
    """Check a batch again (its rows go; its confirmed place names stay)."""
    if sheet is not None:
        batch.sheet_name = sheet
    batch.status = "queued"
    batch.checked_rows = 0
    db.session.flush()


def _remove_file(batch: ImportBatch) -> None:
    upload_path(batch).unlink(missing_ok=True)


def abandon(batch: ImportBatch, now: datetime) -> None:
    """Drop a batch's staged rows and file; the batch stays as a line in the history."""
    db.session.execute(delete(ImportRow).where(ImportRow.batch_id == batch.id))
    if batch.status != "done":
        batch.status = "abandoned"
    batch.finished_at = batch.finished_at or now
    batch.place_problems, batch.new_sites = [], []
    _remove_file(batch)
    db.session.flush()


def housekeeping(now: datetime) -> int:
    """Staged rows live 7 days at most: batches older than that are cleared (imported
    ones keep their counts). Returns the number of batches cleared."""
    old = db.session.scalars(
        select(ImportBatch).where(
            ImportBatch.created_at < now - KEEP_STAGED,
            ImportBatch.status != "abandoned",
            ImportBatch.id.in_(select(ImportRow.batch_id).distinct())
            | ImportBatch.status.in_(("queued", "checking", "previewed", "importing")),
        )
    ).all()
    for batch in old:
        abandon(batch, now)
    return len(old)


def fail_stalled(now: datetime) -> int:
    """Fail the jobs that made no progress for `STALLED`: their worker died (a restart,
    a killed process). What an import registered stays; the page says to upload again."""
    stalled = db.session.scalars(
        select(ImportBatch).where(
            ImportBatch.status.in_(("checking", "importing")),
            func.coalesce(ImportBatch.progress_at, ImportBatch.created_at) < now - STALLED,
        )
    ).all()
    for batch in stalled:
        _fail(batch.id, _("导入任务已中断（超过15分钟没有进展），已导入的户不受影响，请重新上传"))
    return len(stalled)
