"""What /healthz checks: the database answers, its schema is at the migrations' head,
and the scheduler swept recently."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text

from transfers.extensions import db, migrate
from transfers.observability.runs import SWEEP, last_run


@cache
def _script_heads(directory: str) -> frozenset[str]:
    """The head revisions of the migration scripts (read once per process)."""
    return frozenset(ScriptDirectory.from_config(migrate.get_config(directory)).get_heads())


def _migrations() -> dict[str, Any]:
    heads = _script_heads(str(current_app.extensions["migrate"].directory))
    with db.engine.connect() as conn:
        current = frozenset(MigrationContext.configure(conn).get_current_heads())
    return {
        "status": "ok" if current == heads else "behind",
        "database": sorted(current),
        "head": sorted(heads),
    }


def _scheduler(now: datetime) -> dict[str, Any]:
    """The last sweep's age: "never" fails only where the scheduler is required
    (HEALTHZ_REQUIRE_SWEEP, on in production), "stale" past SWEEP_MAX_AGE_SECONDS."""
    run = last_run(SWEEP)
    required = bool(current_app.config["HEALTHZ_REQUIRE_SWEEP"])
    if run is None:
        return {"status": "never" if required else "not yet", "ok": not required}
    age = (now - run.finished_at).total_seconds()
    fresh = age <= float(current_app.config["SWEEP_MAX_AGE_SECONDS"])
    return {
        "status": "ok" if fresh else "stale",
        "ok": fresh,
        "last_sweep_age_seconds": round(age, 1),
        "last_sweep_seconds": round(run.duration_seconds, 3),
        "last_sweep_succeeded": run.succeeded,
    }


def health(now: datetime) -> tuple[bool, dict[str, Any]]:
    """(healthy, detail): the JSON /healthz answers, 200 when healthy, else 503."""
    checks: dict[str, Any] = {"database": {"status": "ok"}}
    try:
        db.session.execute(text("SELECT 1"))
        checks["migrations"] = _migrations()
        if checks["migrations"]["status"] != "ok":  # the tables read next may be missing
            checks["scheduler"] = {"status": "unknown"}
            healthy = False
        else:
            scheduler = _scheduler(now)
            checks["scheduler"] = {k: v for k, v in scheduler.items() if k != "ok"}
            healthy = bool(scheduler["ok"])
    except Exception as e:  # noqa: BLE001 - reported, not raised
        db.session.rollback()
        checks["database"] = {"status": "error", "error": type(e).__name__}
        healthy = False
    detail = {
        "status": "ok" if healthy else "error",
        "database": db.engine.dialect.name,
        "checks": checks,
    }
    return healthy, detail
