"""What the administrator's pages share: run one step, commit and say so, or roll back
and say why not."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash
from flask_wtf import FlaskForm

from transfers.admin.services import AdminError
from transfers.extensions import db


def apply(step: Callable[[], object], done: str | Callable[[object], str]) -> bool:
    """Run one administrator's step: commit and flash `done` (or `done(result)`), or roll
    back and flash why not. True when the step was taken."""
    try:
        result = step()
    except AdminError as e:
        db.session.rollback()
        flash(str(e), "danger")
        return False
    db.session.commit()
    flash(done(result) if callable(done) else done, "success")
    return True


def apply_form(form: FlaskForm, step: Callable[[], object], done: str) -> bool:
    """`apply` once the form validates; else flash its errors, nothing changed."""
    if form.validate_on_submit():
        return apply(step, done)
    flash("；".join(v[0] for v in form.errors.values()), "danger")
    return False
