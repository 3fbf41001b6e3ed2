"""Administrator pages for accounts in bulk: upload a sheet, preview every row with its
faults, confirm, print the initial passwords (shown once). Nested in the admin
blueprint (admins only); the rules are in `transfers.admin.bulk_accounts`."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from transfers.admin.bulk_accounts import COLUMNS, AccountRow, check_rows, create_accounts
from transfers.admin.services import admin_paths
from transfers.admin.web import carried_sheet, carry, sheet_upload_page
from transfers.extensions import db

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

FIELDS = ("role", "place", "name", "phone")


def _preview(rows: list[AccountRow], status: int = 200) -> ResponseReturnValue:
    faults = sum(1 for r in rows if r.errors)
    return render_template(
        "admin/accounts_preview.html",
        rows=rows,
        faults=faults,
        carried=carry([r.number, r.role_text, r.place_text, r.name, r.phone] for r in rows),
        form=FlaskForm(),
    ), (422 if faults else status)


@bp.route("/bulk", methods=["GET", "POST"])
def bulk() -> ResponseReturnValue:
    return sheet_upload_page(
        "admin/accounts_bulk.html",
        COLUMNS,
        lambda sheet: _preview(check_rows(sheet, admin_paths(current_user))),
    )


@bp.route("/bulk/confirm", methods=["POST"])
def confirm() -> ResponseReturnValue:
    form = FlaskForm()
    sheet = carried_sheet(form, FIELDS)
    if not sheet:
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
