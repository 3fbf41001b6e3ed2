"""Configuration from environment variables with safe defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any


def _instance_secret(instance_path: Path, name: str) -> str:
    """The secret `name` (SECRET_KEY, AUDIT_KEY) from the environment, else generated
    once into the instance folder (file `name` in lower case, mode 0600)."""
    if os.environ.get(name):
        return os.environ[name]
    key_file = instance_path / name.lower()
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance_path / 'transfers.sqlite3'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _engine_options(url: str) -> dict[str, Any]:
    # A pooled connection the server dropped (a restart, a firewall's idle timeout) is
    # found by a ping at checkout and replaced, rather than failing a request.
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        # JIT compilation costs more than it saves on the short queries of a web request
        # (0.9 s of a 1.8 s province dashboard before it was turned off).
        options["connect_args"] = {"options": "-c jit=off"}
    return options


def load_config(instance_path: Path) -> dict[str, Any]:
    production = os.environ.get("TRANSFERS_ENV", "development") == "production"
    return {
        "SECRET_KEY": _instance_secret(instance_path, "SECRET_KEY"),
        # Signs the audit chains and checkpoints; keep it out of database backups.
        "AUDIT_KEY": _instance_secret(instance_path, "AUDIT_KEY"),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(_database_url(instance_path)),
        "UPLOAD_FOLDER": str(Path(os.environ.get("UPLOAD_FOLDER", instance_path / "documents"))),
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "MAX_DOCUMENT_BYTES": int(os.environ.get("MAX_DOCUMENT_BYTES", 10 * 1024 * 1024)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_I18N_ENABLED": False,
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", 5)),
        "LOGIN_LOCKOUT_MINUTES": int(os.environ.get("LOGIN_LOCKOUT_MINUTES", 15)),
        # Where Flask-Limiter counts requests. In memory, each server process counts its
        # own; with several processes, point it at a shared store (redis://host:6379).
        # Login lockouts are kept in the database and need nothing here.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "TRANSFERS_ENV": "production" if production else "development",
    }
