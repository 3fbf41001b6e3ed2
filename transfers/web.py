"""Blueprint registration, template helpers, error pages and security headers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_url
from flask_wtf.csrf import CSRFError

from transfers.auth.models import User
from transfers.db import utcnow
from transfers.engine.errors import EngineError, NotFound, PermissionDenied, WorkflowError
from transfers.extensions import csrf, db, login_manager
from transfers.households.validation import HouseholdError
from transfers.i18n import local_date_text, local_datetime_text
from transfers.pending.services import claim, keep
from transfers.tasks.models import Task
from workflows.calendar import local_date
from workflows.idcard import mask_id_number, mask_name
from workflows.roles import Role

WEEKDAYS = "一二三四五六日"


def init_app(app: Flask) -> None:
    from transfers.admin.views import bp as admin_bp
    from transfers.api.account import bp as account_bp
    from transfers.api.framework import bp as api_bp
    from transfers.api.views import init_app as init_api
    from transfers.auth.views import bp as auth_bp
    from transfers.cases.family_views import bp as family_bp
    from transfers.cases.views import bp as cases_bp
    from transfers.deadlines.services import missing_calendar_years
    from transfers.deadlines.views import bp as deadlines_bp
    from transfers.deadlines.views import case_deadline_panel
    from transfers.exports.views import bp as exports_bp
    from transfers.households.views import bp as households_bp
    from transfers.imports.views import bp as imports_bp
    from transfers.inbox.services import unread_count
    from transfers.inbox.views import bp as inbox_bp
    from transfers.main.views import bp as main_bp
    from transfers.monitoring.views import bp as monitoring_bp
    from transfers.public.views import bp as public_bp
    from transfers.sites.views import bp as sites_bp
    from transfers.supervision.views import bp as supervision_bp
    from transfers.tasks.views import bp as tasks_bp
    from transfers.votes.views import bp as votes_bp

    _forms_and_records(app)  # before the blueprints: it adds routes to one of them

    for bp in (
        main_bp,
        auth_bp,
        households_bp,
        cases_bp,
        tasks_bp,
        public_bp,
        admin_bp,
        votes_bp,
        sites_bp,
    ):
        app.register_blueprint(bp)
    for bp in (deadlines_bp, inbox_bp, supervision_bp, monitoring_bp):
        app.register_blueprint(bp)
    app.jinja_env.globals.update(
        deadline_panel=case_deadline_panel,
        inbox_unread=lambda: unread_count(current_user) if current_user.is_authenticated else 0,
        calendar_gaps=lambda: missing_calendar_years(local_date(utcnow())),
    )
    for bp in (imports_bp, exports_bp, account_bp, family_bp):
        app.register_blueprint(bp)
    init_api(app)  # flask-smorest registers the API blueprint and its document
    csrf.exempt(api_bp)  # token-authenticated, no cookies: CSRF does not apply
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # DefaultJSONProvider's; readable Chinese

    app.jinja_env.filters.update(
        cn_date=cn_date,
        cn_datetime=cn_datetime,
        mask_id=mask_id_number,
        mask_name=mask_name,
        role_label=lambda role: _(Role(role).label),
    )
    app.jinja_env.globals.update(today=lambda: local_date(utcnow()))
    app.after_request(_security_headers)
    _error_pages(app)
    for error in (WorkflowError, HouseholdError):
        app.register_error_handler(error, _domain_refusal)


def _forms_and_records(app: Flask) -> None:
    """Forms that keep what was typed (after an expired page or session), 更正登记's
    routes, and the objections a membership case's page lists."""
    from transfers.households import correction_views  # noqa: F401 - adds its routes
    from transfers.votes.objections import objections_of

    app.before_request(_restore_kept_form)
    login_manager.unauthorized_handler(_sign_in_first)
    app.jinja_env.globals["case_objections"] = lambda case: objections_of([case.id]).get(
        case.id, []
    )


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    try:
        uid, token = user_id.split(":", 1)
        user = db.session.get(User, int(uid))
    except (ValueError, TypeError):
        return None
    if user is None or not user.active or not token or user.session_token != token:
        return None
    return user


def cn_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return local_date_text(value)


def cn_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return local_datetime_text(value)


def _security_headers(response: Any) -> Any:
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.endpoint != "static" and current_user.is_authenticated:
        # Every signed-in page shows names or ID numbers: no browser or proxy keeps it.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _domain_refusal(error: Exception) -> ResponseReturnValue:
    """The domain refused a web request (the API's blueprint handler answers its own):
    nothing of it is kept. A missing or forbidden thing is the error page with that
    status; any other refusal is flashed with its own reason on the page the form came
    from (303, so the browser GETs it)."""
    db.session.rollback()
    code = 404 if isinstance(error, NotFound) else 403 if isinstance(error, PermissionDenied) else 0
    if code:
        message = str(ERROR_MESSAGES[code])
        if _wants_json():
            return jsonify(status=code, title=message), code
        return render_template("error.html", code=code, message=message), code
    if _wants_json():
        status = error.status if isinstance(error, EngineError) else 422
        return jsonify(status=status, title=str(error)), status
    flash(str(error), "warning")
    target = _came_from()
    _keep_submission(target)
    return redirect(target, 303)


def _came_from() -> str:
    """Where the request came from: the form's own `next`, else the referring page of this
    site, else the page of the case, task or household the URL names, else home."""
    target = request.form.get("next") or ""
    referrer = request.referrer or ""
    if not target and referrer.startswith(request.host_url):
        target = "/" + referrer.removeprefix(request.host_url)
    if target:
        return safe_next(target)
    return _page_of(request.view_args or {})


def _page_of(args: dict[str, Any]) -> str:
    if "case_id" in args:
        return url_for("cases.detail", case_id=args["case_id"])
    if "task_id" in args:
        task = db.session.get(Task, args["task_id"])
        if task is not None:
            return url_for("cases.detail", case_id=task.case_id)
    if "household_id" in args:
        return url_for("households.detail", household_id=args["household_id"])
    return url_for("main.home")


ERROR_MESSAGES = {
    400: _l("请求有误"),
    403: _l("您没有访问该页面的权限"),
    404: _l("页面不存在"),
    405: _l("不支持该操作"),
    409: _l("该事项已由他人办理或更新，请刷新后查看"),
    413: _l("上传的文件过大"),
    429: _l("请求过于频繁，请稍后再试"),
    500: _l("系统内部错误，请稍后再试；如问题持续，请联系管理员"),
}


def _error_pages(app: Flask) -> None:

    def handler(error: Any) -> Any:
        code = getattr(error, "code", 500) or 500
        message = str(ERROR_MESSAGES.get(code, _("请求有误")))
        if code == 500:
            db.session.rollback()
        if request.path.startswith("/api/"):
            from transfers.api.problems import problem

            return problem(code)
        if _wants_json():
            return jsonify(status=code, title=message), code
        return render_template("error.html", code=code, message=message), code

    for code in ERROR_MESSAGES:
        app.register_error_handler(code, handler)

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> Any:
        page = _form_page()
        if page is None:
            return render_template("error.html", code=400, message=_("表单已过期，请返回重试")), 400
        if request.endpoint in NOT_KEPT:  # signing in, the residents' lookup...
            flash(_("页面已过期，请重新提交"), "warning")
            return redirect(page, 303)
        _keep_submission(page)
        if not current_user.is_authenticated:
            flash(_signed_out(), "warning")
            return redirect(url_for("auth.login", next=page), 303)
        flash(_("页面已过期或表单校验失败，请重新提交（您填写的内容已保留）"), "warning")
        return redirect(page, 303)


# --- forms that never lose what was typed ---------------------------------------------------
KEPT_FORM = "kept_form"  # the session's key of a kept submission (never the values)
# Signing in and out, the language switch, and the residents' lookup (a shared device at
# a village hall: their receipt number and ID digits are not kept for the next person).
NOT_KEPT = {"auth.login", "auth.logout", "i18n.switch", "public.index"}


def _signed_out() -> str:
    return str(_("登录已过期，请重新登录；您填写的内容已保留，登录后请核对并重新提交"))


def _form_page() -> str | None:
    """The page of this site a form was posted from (path and query), else None."""
    referrer = request.referrer or ""
    if not referrer.startswith(request.host_url):
        return None
    target = "/" + referrer.removeprefix(request.host_url)
    return target if safe_next(target) == target else None


def _keep_submission(page: str) -> None:
    """Keep what a browser posted from `page` of this site (never a password), for that
    page to show it again; only its key goes into the session."""
    if request.method != "POST" or request.endpoint in NOT_KEPT or _form_page() is None:
        return
    fields = list(request.form.items(multi=True))
    files = sum(1 for f in request.files.values() if f.filename)
    if not fields:
        return
    session[KEPT_FORM] = keep(
        fields,
        files=files,
        page=urlsplit(page).path,
        action=request.path,
        user_id=current_user.id if current_user.is_authenticated else None,
        now=utcnow(),
    )
    db.session.commit()


def _restore_kept_form() -> None:
    """On the page a kept submission came from, give it back (once) to its author."""
    key = session.get(KEPT_FORM)
    if not key or request.method != "GET" or request.endpoint == "static":
        return
    if not current_user.is_authenticated:  # after signing in
        return
    kept = claim(key, page=request.path, user_id=current_user.id, now=utcnow())
    db.session.commit()
    if kept is None:
        return
    session.pop(KEPT_FORM, None)
    g.kept_form = kept.as_json()
    if kept.files:
        flash(_("所选文件未能保留，请重新选择文件"), "warning")


def _sign_in_first() -> ResponseReturnValue:
    """Not signed in (or the session ended): sign in, then come back. A form posted
    meanwhile is kept and shown again on its page after signing in."""
    page = _form_page() if request.method == "POST" else None
    if page is not None:
        _keep_submission(page)
        flash(_signed_out(), "warning")
        return redirect(url_for("auth.login", next=page), 303)
    flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(login_url("auth.login", next_url=request.url))


def safe_next(target: str | None) -> str:
    """A local path to go on to after login, else the home page. Browsers drop tabs and
    newlines from a URL and read a backslash as a slash, so `/\t/evil.example` and
    `/\\evil.example` would leave the site: any control character, space or backslash
    refuses the target, as does anything with a scheme or a host."""
    if not target or any(ch in target for ch in "\\ ") or not target.isprintable():
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.home")
    return target


__all__ = ["current_user", "safe_next", "WEEKDAYS"]
