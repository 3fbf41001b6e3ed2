"""Administrator pages for accounts in bulk: upload a sheet, preview every row with its
faults, confirm, print the initial passwords (shown once). Nested in the admin
blueprint (admins only); the rules are in `transfers.admin.bulk_accounts`."""

from __future__ import annotations

import json

from flask import Blueprint, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from transfers.admin.bulk_accounts import COLUMNS, AccountRow, check_rows, create_accounts
from transfers.admin.services import admin_paths
from transfers.admin.sheets import SheetError, SheetRow, read_sheet
from transfers.extensions import db

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

FIELDS = ("role", "place", "name", "phone")


def _carried(rows: list[AccountRow]) -> str:
    """The checked rows, carried by the preview's confirm form (checked again there)."""
    return json.dumps(
        [[r.number, r.role_text, r.place_text, r.name, r.phone] for r in rows],
        ensure_ascii=False,
    )


def _preview(rows: list[AccountRow], status: int = 200) -> ResponseReturnValue:
    faults = sum(1 for r in rows if r.errors)
    return render_template(
        "admin/accounts_preview.html",
        rows=rows,
        faults=faults,
        carried=_carried(rows),
        form=FlaskForm(),
    ), (422 if faults else status)


@bp.route("/bulk", methods=["GET", "POST"])
def bulk() -> ResponseReturnValue:
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
                sheet = read_sheet(upload.filename, upload.read(), COLUMNS)
            except SheetError as e:
                error = str(e)
            else:
                return _preview(check_rows(sheet, admin_paths(current_user)))
    status = 422 if error else 200
    return render_template("admin/accounts_bulk.html", form=form, error=error), status


@bp.route("/bulk/confirm", methods=["POST"])
def confirm() -> ResponseReturnValue:
    form = FlaskForm()
    try:
        carried = json.loads(request.form.get("rows", ""))
        sheet = [
            SheetRow(int(r[0]), dict(zip(FIELDS, map(str, r[1:]), strict=True))) for r in carried
        ]
    except (ValueError, TypeError, IndexError):
        sheet = []
    if not form.validate_on_submit() or not sheet:
        error = _("页面已过期，请重新上传")
        return render_template("admin/accounts_bulk.html", form=form, error=error), 422
    rows = check_rows(sheet, admin_paths(current_user))
    if any(r.errors for r in rows):
        return _preview(rows)  # someone took a phone number meanwhile: nothing created
    created = create_accounts(rows)
    db.session.commit()
    response = make_response(render_template("admin/accounts_passwords.html", created=created))
    response.headers["Cache-Control"] = "no-store"  # the passwords are shown once
    return response
