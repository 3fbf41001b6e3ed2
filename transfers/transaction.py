"""A unit of work outside a request (a scheduled job, a run record): its own app context
and its own transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from transfers.extensions import db


@contextmanager
def own_transaction(app: Flask) -> Iterator[None]:
    """Run the block in a new app context: commit when it ends, roll back when it raises,
    and remove the session either way."""
    with app.app_context():
        try:
            yield
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
