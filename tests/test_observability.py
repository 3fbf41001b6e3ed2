"""/healthz (database, migrations, the scheduler's last sweep), /metrics (scraped and
parsed as the Prometheus exposition format; closed to the public) and JSON logs with
ID numbers masked."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from tests.conftest import NOW
from transfers.cases.services import open_intake
from transfers.db import utcnow
from transfers.observability.logs import json_handler
from transfers.observability.runs import SWEEP, record_run
from transfers.scheduler import _job
from transfers.supervision.measures import count, open_step
from transfers.tasks.models import Task
from workflows.roles import Role


def _scrape(client, **kw):  # type: ignore[no-untyped-def]
    resp = client.get("/metrics", **kw)
    assert resp.status_code == 200, resp.status_code
    families = {f.name: f for f in text_string_to_metric_families(resp.get_data(as_text=True))}
    return families


def test_healthz_checks_database_migrations_and_scheduler(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    checks = resp.json["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["migrations"]["status"] == "ok"
    assert checks["migrations"]["database"] == checks["migrations"]["head"]
    assert checks["scheduler"]["status"] == "not yet"  # not required outside production


def test_healthz_fails_without_a_recent_sweep_where_required(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "HEALTHZ_REQUIRE_SWEEP", True)
    resp = client.get("/healthz")
    assert resp.status_code == 503 and resp.json["checks"]["scheduler"]["status"] == "never"

    _job(app)  # the scheduler's minute job: sweep, then record the run
    resp = client.get("/healthz")
    assert resp.status_code == 200, resp.json
    scheduler = resp.json["checks"]["scheduler"]
    assert scheduler["status"] == "ok" and scheduler["last_sweep_age_seconds"] < 60

    old = utcnow() - timedelta(seconds=app.config["SWEEP_MAX_AGE_SECONDS"] + 60)
    record_run(app, SWEEP, finished_at=old, duration=0.5, escalations=0)
    resp = client.get("/healthz")
    assert resp.status_code == 503 and resp.json["checks"]["scheduler"]["status"] == "stale"


def test_healthz_fails_when_the_database_is_behind_the_migrations(db, client):
    with db.engine.begin() as conn:
        current = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        conn.execute(text("UPDATE alembic_version SET version_num = '0001_initial_schema'"))
    try:
        resp = client.get("/healthz")
        assert resp.status_code == 503
        assert resp.json["checks"]["migrations"]["status"] == "behind"
        assert resp.json["checks"]["migrations"]["database"] == ["0001_initial_schema"]
        assert resp.json["checks"]["database"]["status"] == "ok"
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM alembic_version"))
            for version in current:
                conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": version})
    assert client.get("/healthz").status_code == 200


def test_metrics_are_scraped_and_parsed(app, db, client, make_user, make_household):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    household = make_household()
    open_intake(
        household=household, requests=[(household.members[0], "hukou")], actor=staff, now=NOW
    )
    db.session.commit()
    client.get("/healthz")
    client.get("/healthz")
    record_run(app, SWEEP, finished_at=utcnow(), duration=1.25, escalations=3)

    families = _scrape(client)
    latency = families["transfers_request_duration_seconds"]
    counts = {
        s.labels["status"]: s.value
        for s in latency.samples
        if s.name.endswith("_count") and s.labels["endpoint"] == "main.healthz"
    }
    assert counts.get("200", 0) >= 2
    open_steps = count(db.select(Task).where(*open_step()))
    assert open_steps > 0
    assert families["transfers_open_steps"].samples[0].value == open_steps
    assert families["transfers_overdue_steps"].samples[0].value >= 0
    assert families["transfers_sweep_duration_seconds"].samples[0].value == 1.25
    assert families["transfers_sweep_escalations"].samples[0].value == 3
    assert families["transfers_sweep_runs"].samples[0].value == 1
    assert "transfers_import_jobs" in families


def test_metrics_are_closed_to_the_public(app, client, monkeypatch):
    outside = {"environ_base": {"REMOTE_ADDR": "203.0.113.9"}}
    assert client.get("/metrics", **outside).status_code == 403
    # Through the proxy the connection comes from loopback: that does not count.
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "scrape-token-1")
    bearer = {"Authorization": "Bearer scrape-token-1"}
    assert client.get("/metrics", headers=bearer, **outside).status_code == 200
    wrong = {"Authorization": "Bearer scrape-token-2"}
    assert client.get("/metrics", headers=wrong, **outside).status_code == 403
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_NETWORKS", "203.0.113.0/24")
    assert client.get("/metrics", **outside).status_code == 200


def test_json_logs_mask_id_numbers():
    stream = io.StringIO()
    handler = json_handler()
    handler.setStream(stream)  # type: ignore[attr-defined]
    logger = logging.getLogger("transfers.test_json_logs")
    logger.addHandler(handler)
    try:
        logger.warning(
            "lookup of %s failed", "41122119800101003X", extra={"who": "411221198001010021"}
        )
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["message"] == "lookup of 411221********003X failed"
    assert line["who"] == "411221********0021"
    assert line["level"] == "WARNING" and "19800101" not in stream.getvalue()
