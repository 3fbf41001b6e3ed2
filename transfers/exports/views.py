"""Export every list to Excel (.xlsx) or .csv, filtered as on screen."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, make_response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_login import current_user, login_required

from transfers.db import utcnow
from transfers.exports.services import (
    Export,
    export_cases,
    export_households,
    export_overdue,
    export_queue,
    write_export,
)
from transfers.extensions import db
from transfers.privacy.forms import PurposeForm
from transfers.privacy.services import Disclosure
from transfers.tasks.filters import QueueFilter
from workflows.calendar import local_date
from workflows.i18n import N_
from workflows.registry import PROCEDURES
from workflows.roles import Role

bp = Blueprint("exports", __name__, url_prefix="/exports")
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
TITLES = {
    "households": N_("搬迁户"),
    "tasks": N_("我的待办"),
    "overdue": N_("超期督办"),
    "cases": N_("办件"),
}


def _full_ids() -> bool:
    """Whole ID numbers only on purpose (?ids=full), and only for village staff, who
    register them; everyone else always gets masked values."""
    return request.args.get("ids") == "full" and current_user.has_role(Role.VILLAGE_STAFF)


def _data(kind: str, disclosure: Disclosure | None) -> Export:
    today = local_date(utcnow())
    procedure = request.args.get("procedure", "")
    if procedure and procedure not in PROCEDURES:
        procedure = ""
    state = request.args.get("state", "")
    if kind == "households":
        return export_households(current_user, q=request.args.get("q", ""), disclosure=disclosure)
    if kind == "tasks":  # the queue's own filter, checked as the page checks it
        f = QueueFilter.from_args(request.args, current_user)
        return export_queue(current_user, today, f, disclosure=disclosure)
    if kind == "overdue":
        return export_overdue(current_user, today, disclosure=disclosure)
    return export_cases(
        current_user,
        procedure=procedure,
        state=state,
        open_only=request.args.get("open") == "1",
        disclosure=disclosure,
    )


def _filters() -> dict[str, Any]:
    """The list's filters as given (ids=full among them), to carry into the form."""
    return {k: v for k, v in request.args.items() if k not in ("kind", "fmt", "purpose")}


def _purpose_page(form: PurposeForm, kind: str, fmt: str) -> Response:
    """Full values are asked for once, with a purpose, by a deliberate POST."""
    status = 422 if request.method == "POST" else 200
    html = render_template(
        "exports/purpose.html",
        form=form,
        title=TITLES[kind],
        fmt=fmt,
        action=url_for("exports.export", kind=kind, fmt=fmt, **_filters()),
    )
    resp = make_response(html, status)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/<kind>.<fmt>", methods=["GET", "POST"])
@login_required
def export(kind: str, fmt: str) -> ResponseReturnValue:
    if fmt not in MIMETYPES or kind not in TITLES:
        abort(404)
    if kind == "overdue" and not any(r.is_supervisor for r in current_user.roles):
        abort(403)
    disclosure = None
    if _full_ids():
        form = PurposeForm()
        if not form.validate_on_submit():
            return _purpose_page(form, kind, fmt)
        disclosure = Disclosure(
            actor=current_user, purpose=form.purpose.data, remote_addr=request.remote_addr or ""
        )
    elif request.method == "POST":
        abort(405)
    data = _data(kind, disclosure)
    # A temporary file, not memory: a county's export has hundreds of thousands of rows.
    buf = tempfile.TemporaryFile()
    # Exports are official ledgers: Chinese whatever the interface language.
    with force_locale("zh_CN"):
        write_export(data, fmt, buf)
    if disclosure is not None:
        disclosure.record(utcnow())  # one entry listing every person in the file
        db.session.commit()
    size = buf.tell()
    buf.seek(0)
    name = f"{data.title}-{local_date(utcnow()):%Y%m%d}.{fmt}"
    resp = Response(_chunks(buf), mimetype=MIMETYPES[fmt])
    resp.headers["Content-Length"] = str(size)
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    resp.headers["Cache-Control"] = "no-store"  # names and ID numbers, masked or whole
    return resp


def _chunks(f: IO[bytes]) -> Iterator[bytes]:
    """The file in 64 KiB pieces, closed (and so deleted) once sent or abandoned."""
    try:
        while chunk := f.read(65536):
            yield chunk
    finally:
        f.close()
