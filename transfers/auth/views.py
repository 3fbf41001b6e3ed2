from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from transfers.auth.forms import LoginForm
from transfers.auth.services import LoginRefused, authenticate, end_session
from transfers.db import utcnow
from transfers.extensions import db
from transfers.pending.services import adopt
from transfers.web import KEPT_FORM, safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(
                form.username.data or "",
                form.password.data or "",
                now=utcnow(),
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                lockout_minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"],
            )
        except LoginRefused as e:
            db.session.commit()  # keep the failure count
            flash(str(e), "danger")
            return render_template("auth/login.html", form=form), 401
        kept = session.get(KEPT_FORM)  # a form posted after the last session ended
        if kept:
            adopt(kept, user.id)
        db.session.commit()
        session.clear()
        login_user(user)
        if kept:
            session[KEPT_FORM] = kept
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    end_session(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("您已安全退出"), "info")
    return redirect(url_for("auth.login"))
