"""Request hygiene before any view runs."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, abort, request


def _has_nul(values: Iterable[str]) -> bool:
    return any("\x00" in v for v in values)


def reject_nul_bytes() -> None:
    """No text a person types contains NUL, and PostgreSQL cannot store it in text columns
    (the driver raises, which would be a 500): refuse such requests as malformed."""
    if "\x00" in request.path or _has_nul(request.args.values()):
        abort(400)
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        if _has_nul(request.form.values()) or _has_nul(request.form.keys()):
            abort(400)
        if any("\x00" in (f.filename or "") for f in request.files.values()):
            abort(400)


def init_app(app: Flask) -> None:
    app.before_request(reject_nul_bytes)
