"""Gunicorn settings for household-transfers (docs/DEPLOY.md).

    gunicorn -c deploy/gunicorn.conf.py 'transfers:create_app()'

Every setting can be overridden on the command line (``--workers 4 --bind ...``) or,
for the ones read here, by the environment of the service (deploy/*.service).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Loopback only: nginx in front terminates TLS and forwards here.
bind = os.environ.get("TRANSFERS_BIND", "127.0.0.1:8000")
# Gunicorn's own rule of thumb: (2 x cores) + 1 synchronous workers, each one process
# with its own database pool. WEB_CONCURRENCY (gunicorn's variable) overrides it.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
worker_class = "sync"
# The longest request is an export of a county's cases; past this a worker is restarted.
timeout = 120
graceful_timeout = 30
# Reload and stop by signals (systemd: HUP reloads gracefully, TERM stops); no control
# socket, whose default path would be shared by every instance of one user.
control_socket_disable = True
# Logs to standard error (the journal under systemd); the access log is nginx's.
errorlog = "-"
accesslog = None

# Request latency is measured in each worker; prometheus_client adds the workers'
# figures up from files in this directory (its multiprocess mode). It must be set before
# the application (and so prometheus_client) is imported, which happens in the workers.
multiproc_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="transfers-metrics-")
)


def on_starting(server) -> None:  # type: ignore[no-untyped-def]
    """The files of a previous run would be added to this one's: start empty."""
    directory = Path(multiproc_dir)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def child_exit(server, worker) -> None:  # type: ignore[no-untyped-def]
    """As prometheus_client documents for gunicorn: a dead worker's live gauges go."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
