"""Administrator pages for 安置点 from a sheet: upload, preview every row with its
faults, confirm. Nested in the admin blueprint (admins only); the rules are in
`transfers.sites.from_sheet`."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from transfers.admin.services import admin_paths
from transfers.admin.web import carried_sheet, carry, sheet_upload_page
from transfers.extensions import db
from transfers.sites.from_sheet import COLUMNS, SiteRow, check_rows, create_sites

bp = Blueprint("sites", __name__, url_prefix="/sites")

FIELDS = ("name", "place", "kind", "address")


def _preview(rows: list[SiteRow]) -> ResponseReturnValue:
    faults = sum(1 for r in rows if r.errors)
    carried = carry([r.number, r.name, r.place_text, r.kind_text, r.address] for r in rows)
    return render_template(
        "sites/import_preview.html", rows=rows, faults=faults, carried=carried, form=FlaskForm()
    ), (422 if faults else 200)


@bp.route("/import", methods=["GET", "POST"])
def upload() -> ResponseReturnValue:
    return sheet_upload_page(
        "sites/import.html",
        COLUMNS,
        lambda sheet: _preview(check_rows(sheet, admin_paths(current_user))),
    )


@bp.route("/import/confirm", methods=["POST"])
def confirm() -> ResponseReturnValue:
    form = FlaskForm()
    sheet = carried_sheet(form, FIELDS)
    if not sheet:
        error = _("页面已过期，请重新上传")
        return render_template("sites/import.html", form=form, error=error), 422
    rows = check_rows(sheet, admin_paths(current_user))
    if any(r.errors for r in rows):
        return _preview(rows)
    created = create_sites(rows)
    db.session.commit()
    flash(_("已新增%(n)s个安置点", n=len(created)), "success")
    return redirect(url_for("sites.index"))
