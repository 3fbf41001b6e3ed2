"""An application on a SQLite database of its own, for tests that run the real
migrations over data (their data steps, not the database, are under test)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from transfers import create_app


def app_on_own_database(app: Flask, tmp_path: Path) -> Flask:
    """`app` (the test session's application) lends its keys only."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "AUDIT_KEY": app.config["AUDIT_KEY"],
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}",
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "UPLOAD_FOLDER": str(tmp_path / "documents"),
        }
    )
