"""Export every list to Excel (.xlsx) or .csv, filtered as on screen."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO
from urllib.parse import quote

from flask import Blueprint, Response, abort, request
from flask_babel import force_locale
from flask_login import current_user, login_required

from transfers.db import utcnow
from transfers.exports.services import (
    export_cases,
    export_households,
    export_overdue,
    export_queue,
    write_export,
)
from workflows.calendar import local_date
from workflows.registry import PROCEDURES
from workflows.roles import Role

bp = Blueprint("exports", __name__, url_prefix="/exports")
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _full_ids() -> bool:
    """Whole ID numbers only on purpose (?ids=full), and only for village staff, who
    register them; everyone else always gets masked values."""
    return request.args.get("ids") == "full" and current_user.has_role(Role.VILLAGE_STAFF)


@bp.route("/<kind>.<fmt>")
@login_required
def export(kind: str, fmt: str):  # type: ignore[no-untyped-def]
    if fmt not in MIMETYPES:
        abort(404)
    today = local_date(utcnow())
    procedure = request.args.get("procedure", "")
    if procedure and procedure not in PROCEDURES:
        procedure = ""
    state = request.args.get("state", "")
    full = _full_ids()
    if kind == "households":
        data = export_households(current_user, q=request.args.get("q", ""), full=full)
    elif kind == "tasks":
        data = export_queue(
            current_user,
            today,
            procedure=procedure,
            state=state,
            sort=request.args.get("sort", "due"),
            full=full,
        )
    elif kind == "overdue":
        if not any(r.is_supervisor for r in current_user.roles):
            abort(403)
        data = export_overdue(current_user, today, full=full)
    elif kind == "cases":
        data = export_cases(
            current_user,
            procedure=procedure,
            state=state,
            open_only=request.args.get("open") == "1",
            full=full,
        )
    else:
        abort(404)
    # A temporary file, not memory: a county's export has hundreds of thousands of rows.
    buf = tempfile.TemporaryFile()
    # Exports are official ledgers: Chinese whatever the interface language.
    with force_locale("zh_CN"):
        write_export(data, fmt, buf)
    size = buf.tell()
    buf.seek(0)
    name = f"{data.title}-{today:%Y%m%d}.{fmt}"
    resp = Response(_chunks(buf), mimetype=MIMETYPES[fmt])
    resp.headers["Content-Length"] = str(size)
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return resp


def _chunks(f: IO[bytes]) -> Iterator[bytes]:
    """The file in 64 KiB pieces, closed (and so deleted) once sent or abandoned."""
    try:
        while chunk := f.read(65536):
            yield chunk
    finally:
        f.close()
