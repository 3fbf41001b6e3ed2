"""What the administrator's pages share: run one step, commit and say so, or roll back
and say why not; read an uploaded sheet and the rows its preview carries to confirm."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence

from flask import flash, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from transfers.admin.services import AdminError
from transfers.admin.sheets import SheetError, SheetRow, read_sheet
from transfers.extensions import db
from transfers.forms import first_errors


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
    flash("；".join(first_errors(form).values()), "danger")
    return False


def sheet_upload_page(
    template: str,
    columns: dict[str, tuple[str, ...]],
    preview: Callable[[list[SheetRow]], ResponseReturnValue],
) -> ResponseReturnValue:
    """The page that uploads a sheet: the form (`template`), again with why a posted sheet
    was refused (an expired form, no file, a sheet that cannot be read), or the
    `preview` of the sheet's rows, read with `columns`."""
    form = FlaskForm()
    error = ""
    if request.method == "POST":
        upload = request.files.get("sheet")
        if not form.validate_on_submit():
            error = _("页面已过期，请重新上传")
        elif upload is None or not upload.filename:
            error = _("请选择要上传的表格文件")
        else:
            try:
                sheet = read_sheet(upload.filename, upload.read(), columns)
            except SheetError as e:
                error = str(e)
            else:
                return preview(sheet)
    return render_template(template, form=form, error=error), 422 if error else 200


def carry(rows: Iterable[Sequence[object]]) -> str:
    """Checked rows for the preview's confirm form: each row's number, then its cells in
    the order of the `fields` that `carried_sheet` reads them back with."""
    return json.dumps([list(r) for r in rows], ensure_ascii=False)


def carried_sheet(form: FlaskForm, fields: tuple[str, ...]) -> list[SheetRow]:
    """The rows a preview's confirm form carried back (to be checked again); none when
    the form expired or the rows cannot be read."""
    try:
        carried = json.loads(request.form.get("rows", ""))
        sheet = [
            SheetRow(int(r[0]), dict(zip(fields, map(str, r[1:]), strict=True))) for r in carried
        ]
    except (ValueError, TypeError, IndexError):
        sheet = []
    return sheet if form.validate_on_submit() else []
