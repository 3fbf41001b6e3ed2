"""Operations: /metrics (Prometheus), /healthz's checks, the scheduler's run records and
JSON logs.

Settings (environment variables, read when the app is created):

- METRICS_TOKEN: a bearer token that may read /metrics from anywhere;
- METRICS_ALLOWED_NETWORKS: addresses that may read it without the token, connecting
  directly (comma-separated networks; default loopback only);
- SWEEP_MAX_AGE_SECONDS: /healthz fails when the last sweep is older (default 300);
- HEALTHZ_REQUIRE_SWEEP: /healthz fails when no sweep was ever recorded (default: on in
  production);
- LOG_FORMAT=json: JSON log lines on standard error.
"""

from __future__ import annotations

import os

from flask import Flask

from transfers.observability import metrics
from transfers.observability.logs import configure_json_logs


def _settings(app: Flask) -> None:
    env = os.environ.get
    production = app.config.get("TRANSFERS_ENV") == "production"
    app.config.setdefault("METRICS_TOKEN", env("METRICS_TOKEN", ""))
    app.config.setdefault(
        "METRICS_ALLOWED_NETWORKS", env("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128")
    )
    app.config.setdefault("SWEEP_MAX_AGE_SECONDS", int(env("SWEEP_MAX_AGE_SECONDS", "300")))
    required = env("HEALTHZ_REQUIRE_SWEEP", "1" if production else "0")
    app.config.setdefault("HEALTHZ_REQUIRE_SWEEP", required.lower() in ("1", "true", "yes", "on"))
    app.config.setdefault("LOG_FORMAT", env("LOG_FORMAT", "text"))


def init_app(app: Flask) -> None:
    _settings(app)
    if app.config["LOG_FORMAT"] == "json":
        configure_json_logs()
    metrics.init_app(app)
