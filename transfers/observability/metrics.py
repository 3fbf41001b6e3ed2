"""Prometheus metrics (/metrics): request latency by endpoint, measured in each server
process, and the state of the service read from the database at each scrape (the last
sweep's duration and escalations, open and overdue steps, import jobs).

Under gunicorn every worker is its own process: with PROMETHEUS_MULTIPROC_DIR set (the
gunicorn config module sets it), prometheus_client keeps each worker's figures in that
directory and a scrape adds them up, as its documentation for multiprocess mode says.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from ipaddress import ip_address, ip_network

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from transfers.db import utcnow
from transfers.extensions import db
from transfers.imports.models import ImportBatch
from transfers.observability.runs import SWEEP, last_run
from transfers.supervision.measures import count, open_step, overdue_step
from transfers.tasks.models import Task
from workflows.calendar import local_date

bp = Blueprint("observability", __name__)

REQUEST_SECONDS = Histogram(
    "transfers_request_duration_seconds",
    "Time to answer a request, by endpoint, method and status code.",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def _started() -> None:
    g.request_started = time.perf_counter()


def _observed(response: Response) -> Response:
    started = g.get("request_started")
    if started is not None:
        endpoint = request.url_rule.endpoint if request.url_rule else "unmatched"
        REQUEST_SECONDS.labels(endpoint, request.method, str(response.status_code)).observe(
            time.perf_counter() - started
        )
    return response


class ServiceState(Collector):
    """Figures read from the database at each scrape, the same in every process."""

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        today = local_date(utcnow())
        yield GaugeMetricFamily(
            "transfers_open_steps",
            "Open steps (tasks) in the whole database.",
            value=count(select(Task).where(*open_step())),
        )
        yield GaugeMetricFamily(
            "transfers_overdue_steps",
            "Open steps past their due date.",
            value=count(select(Task).where(*overdue_step(today))),
        )
        jobs = GaugeMetricFamily(
            "transfers_import_jobs", "Ledger imports by status.", labels=["status"]
        )
        rows = db.session.execute(
            select(ImportBatch.status, func.count()).group_by(ImportBatch.status)
        ).all()
        for status, n in rows:
            jobs.add_metric([status], n)
        yield jobs
        yield from self._sweep()

    def _sweep(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        run = last_run(SWEEP)
        if run is None:
            return
        yield GaugeMetricFamily(
            "transfers_sweep_duration_seconds",
            "Duration of the last deadline sweep.",
            value=run.duration_seconds,
        )
        yield GaugeMetricFamily(
            "transfers_sweep_last_finished_timestamp_seconds",
            "When the last deadline sweep finished (Unix time).",
            value=run.finished_at.timestamp(),
        )
        yield GaugeMetricFamily(
            "transfers_sweep_last_escalations",
            "Escalations recorded by the last sweep.",
            value=run.escalations,
        )
        yield CounterMetricFamily(
            "transfers_sweep_escalations",
            "Escalations recorded by all sweeps.",
            value=run.escalations_total,
        )
        yield CounterMetricFamily(
            "transfers_sweep_runs", "Deadline sweeps run.", value=run.runs_total
        )
        yield CounterMetricFamily(
            "transfers_sweep_failures", "Deadline sweeps that failed.", value=run.failures_total
        )


def _allowed() -> bool:
    """The bearer token (METRICS_TOKEN, when set), or a direct connection from an allowed
    network (METRICS_ALLOWED_NETWORKS). A request that came through a proxy (it carries
    X-Forwarded-For or X-Real-IP) is never taken as coming from the proxy's address."""
    token = str(current_app.config["METRICS_TOKEN"])
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer "):
        return hmac.compare_digest(given.removeprefix("Bearer ").encode(), token.encode())
    if request.headers.get("X-Forwarded-For") or request.headers.get("X-Real-IP"):
        return False
    try:
        address = ip_address(request.remote_addr or "")
    except ValueError:
        return False
    networks = str(current_app.config["METRICS_ALLOWED_NETWORKS"]).split(",")
    return any(address in ip_network(n.strip(), strict=False) for n in networks if n.strip())


@bp.route("/metrics")
def metrics() -> Response:
    if not _allowed():
        abort(403)
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped
    else:
        registry = REGISTRY
    state = CollectorRegistry(auto_describe=False)
    state.register(ServiceState())
    body = generate_latest(registry) + generate_latest(state)
    return Response(body, content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    app.before_request(_started)
    app.after_request(_observed)
    app.register_blueprint(bp)
