"""household-transfers: the Flask application (create_app)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext

from transfers.config import load_config
from transfers.extensions import csrf, db, limiter, login_manager, migrate
from transfers.privacy.logmask import install_log_masking

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_relative_config=True,
    )
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(instance))
    if config:
        app.config.update(config)
    # No personal data in logs: failing statements are logged without their parameters,
    # and ID numbers in any log record are masked.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "hide_parameters": True,
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
    }
    install_log_masking()

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("请先登录")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"

    _import_models()
    _sqlite_pragmas(app)

    from transfers import hardening, i18n, observability, web

    i18n.init_app(app)
    hardening.init_app(app)
    web.init_app(app)
    observability.init_app(app)

    from transfers.cli import register_cli

    register_cli(app)
    logging.getLogger("transfers").setLevel(logging.INFO)
    return app


def _import_models() -> None:
    from transfers.api import models as _api  # noqa: F401
    from transfers.auth import models as _auth  # noqa: F401
    from transfers.cases import models as _cases  # noqa: F401
    from transfers.deadlines import models as _deadlines  # noqa: F401
    from transfers.households import models as _households  # noqa: F401
    from transfers.imports import models as _imports  # noqa: F401
    from transfers.inbox import models as _inbox  # noqa: F401
    from transfers.jurisdictions import models as _jurisdictions  # noqa: F401
    from transfers.observability import models as _observability  # noqa: F401
    from transfers.pending import models as _pending  # noqa: F401
    from transfers.privacy import models as _privacy  # noqa: F401
    from transfers.supervision import models as _supervision  # noqa: F401
    from transfers.tasks import models as _tasks  # noqa: F401
    from transfers.votes import models as _votes  # noqa: F401


def _sqlite_pragmas(app: Flask) -> None:
    """WAL, foreign keys and a busy timeout for the embedded SQLite database."""
    from sqlalchemy import event

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "savepoint")
        def _on_savepoint(conn, _name):  # type: ignore[no-untyped-def]
            # pysqlite opens a transaction only at the first write. A SAVEPOINT outside
            # a transaction starts one of its own, and its RELEASE commits: a receipt
            # number would survive the rollback of its intake. Begin the real one first.
            dbapi_connection = conn.connection.dbapi_connection
            if not dbapi_connection.in_transaction:
                dbapi_connection.execute("BEGIN")
