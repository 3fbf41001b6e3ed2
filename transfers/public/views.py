"""Residents look up their household's cases with the receipt number (查询)."""

from __future__ import annotations

import math

from flask import Blueprint, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from transfers.extensions import limiter, retry_after
from transfers.forms import ChineseForm
from transfers.public.lookup import (
    PER_ADDRESS,
    PER_RECEIPT,
    LookupRefused,
    find_status,
    receipt_key,
)

bp = Blueprint("public", __name__, url_prefix="/query")


class LookupForm(ChineseForm):
    receipt_no = StringField(
        _l("办件编号"), validators=[InputRequired(_l("请输入办件编号")), Length(max=24)]
    )
    id_tail = StringField(
        _l("身份证号码后四位"),
        validators=[InputRequired(_l("请输入身份证号码后四位")), Length(max=8)],
    )


@bp.route("/", methods=["GET", "POST"])
@limiter.limit(PER_ADDRESS, methods=["POST"])
@limiter.limit(PER_RECEIPT, key_func=receipt_key, methods=["POST"])
def index() -> ResponseReturnValue:
    # The receipt's QR code opens the lookup with its number filled in.
    form = LookupForm(receipt_no=request.args.get("receipt_no", "")[:24])
    rows = None
    not_found = ""
    if request.method == "POST" and form.validate_on_submit():
        try:
            rows = find_status(form.receipt_no.data or "", form.id_tail.data or "")
        except LookupRefused as e:
            if e.field:
                form[e.field].errors = [str(e)]
            else:
                not_found = str(e)
    return render_template("public/lookup.html", form=form, rows=rows, not_found=not_found)


@bp.errorhandler(429)
def too_many(_error: Exception) -> ResponseReturnValue:
    """Too many lookups: how long to wait (also as Retry-After), and the way back to the
    lookup, not to the staff login. The wait is the breached limit's reset time
    (transfers.extensions.retry_after)."""
    seconds = retry_after()
    if seconds < 60:
        wait = _("%(n)s 秒", n=seconds)
    else:
        wait = _("%(n)s 分钟", n=math.ceil(seconds / 60))
    response = make_response(render_template("public/too_many.html", wait=wait), 429)
    response.headers["Retry-After"] = str(seconds)
    return response
