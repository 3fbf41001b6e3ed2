"""The inbox (站内消息): reminders, 催办, 督办 and the supervisors' daily digest, one line
per case (its latest message and counts); a case's own messages on their own page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import EmailField
from wtforms.validators import Length, Optional, Regexp

from transfers.db import utcnow
from transfers.extensions import db
from transfers.forms import ChineseForm
from transfers.inbox.models import Notification
from transfers.inbox.services import (
    case_messages,
    inbox_lines,
    inbox_lines_query,
    mail_address,
    mark_read,
    set_mail_address,
)

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


class MailForm(ChineseForm):
    email = EmailField(
        _l("邮件提醒地址"),
        validators=[
            Optional(),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("邮箱地址格式不正确")),
            Length(max=200),
        ],
        description=_l("填写后，催办、督办等消息同时发送到该邮箱（系统配置了邮件服务器时）"),
    )


class EmptyForm(ChineseForm):
    """A form with nothing but its CSRF token."""


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    unread_only = request.args.get("unread") == "1"
    case_id = request.args.get("case", type=int)
    common = {
        "unread_only": unread_only,
        "mail_form": MailForm(email=mail_address(current_user)),
        "form": EmptyForm(),
    }
    if case_id is not None:  # every message of one case
        page = db.paginate(case_messages(current_user, case_id), per_page=30)
        return render_template("inbox/index.html", page=page, case_id=case_id, **common)
    page = db.paginate(inbox_lines_query(current_user, unread_only), per_page=30)
    return render_template(
        "inbox/index.html",
        page=page,
        lines=inbox_lines(current_user, list(page.items)),
        case_id=None,
        **common,
    )


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_message(notification_id: int) -> ResponseReturnValue:
    """Open a line: its case's messages (or the one message) are read; on to the case."""
    n = db.session.get(Notification, notification_id)
    if n is None or n.user_id != current_user.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if n.case_id:
        mark_read(current_user, now=utcnow(), case_id=n.case_id)
    else:
        mark_read(current_user, now=utcnow(), notification_id=n.id)
    db.session.commit()
    if n.case_id:
        return redirect(url_for("cases.detail", case_id=n.case_id))
    return redirect(url_for("inbox.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all() -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        abort(400)
    n = mark_read(current_user, now=utcnow())
    db.session.commit()
    flash(_("已将%(n)s条消息标为已读", n=n), "info")
    return redirect(url_for("inbox.index"))


@bp.route("/mail", methods=["POST"])
@login_required
def mail() -> ResponseReturnValue:
    form = MailForm()
    if form.validate_on_submit():
        set_mail_address(current_user, form.email.data or "")
        db.session.commit()
        flash(_("邮件提醒地址已保存"), "success")
    else:
        for msgs in form.errors.values():
            flash(str(msgs[0]), "danger")  # a lazy translation: the session stores text
    return redirect(url_for("inbox.index"))
