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

from transfers.auth.forms import ChangePasswordForm, LoginForm
from transfers.auth.services import (
    LoginRefused,
    PasswordChangeRefused,
    authenticate,
    change_initial_password,
    end_session,
)
from transfers.db import utcnow
from transfers.extensions import db
from transfers.pending.services import adopt
from transfers.web import KEPT_FORM, safe_next

bp = Blueprint("auth", __name__)

# What a user who must first change a printed password may still reach.
_BEFORE_CHANGE = {"auth.change_password", "auth.logout", "auth.login", "static"}


@bp.before_app_request
def _initial_password_first() -> ResponseReturnValue | None:
    """Until a printed initial password is changed, every page leads to the change."""
    if (
        request.endpoint not in _BEFORE_CHANGE
        and request.blueprint not in ("api", "i18n", "public")
        and current_user.is_authenticated
        and current_user.must_change_password
    ):
        return redirect(url_for("auth.change_password", next=request.full_path))
    return None


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


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    """The first-login change of a printed initial password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_initial_password(
                current_user._get_current_object(), form.current.data or "", form.new.data or ""
            )
        except PasswordChangeRefused as e:
            db.session.rollback()
            form.new.errors = [str(e)]
            return render_template("auth/change_password.html", form=form), 422
        db.session.commit()
        flash(_("密码已修改"), "success")
        return redirect(safe_next(request.args.get("next")))
    status = 422 if form.errors else 200
    return render_template("auth/change_password.html", form=form), status
