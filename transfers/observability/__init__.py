"""Operations: /metrics (Prometheus), /healthz's checks, the scheduler's run records and
JSON logs.

Settings (environment variables, read when the app is created):

- METRICS_TOKEN: a bearer token that may read /metrics from anywhere;
- METRICS_ALLOWED_NETWORKS: addresses that may read it without the token, connecting
  directly (comma-separated networks; default loopback only);
- SWEEP_MAX_AGE_SECONDS: /healthz fails when the last sweep is older (default 300);
- HEALTHZ_REQUIRE_SWEEP: /healthz fails when no sweep was ever recorded (default: on in
  production);
- LOG_FORMAT=json: JSON log lines on standard error;
- TRUSTED_PROXIES: how many proxies (nginx: 1) stand in front; their X-Forwarded-For
  and X-Forwarded-Proto are then believed, so per-address limits, the access log and
  /metrics see the client's address rather than the proxy's (default 0: none).
"""

from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

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
    app.config.setdefault("TRUSTED_PROXIES", int(env("TRUSTED_PROXIES", "0")))


def init_app(app: Flask) -> None:
    _settings(app)
    if app.config["LOG_FORMAT"] == "json":
        configure_json_logs()
    metrics.init_app(app)
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:  # as Werkzeug documents for an app behind proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]  # Flask documents this
