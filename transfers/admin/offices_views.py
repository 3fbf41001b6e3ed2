"""Administrator pages about offices: import grants (who may import ledgers for a whole
township or county) and the offices' telephones printed on receipts. Nested in the admin
blueprint (admins only); the rules are in `transfers.admin.import_grants`,
`transfers.imports.grants` and `transfers.admin.phones`."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from transfers.admin.forms import ImportGrantForm, PhoneForm
from transfers.admin.import_grants import give, grants_within, offices_to_grant, take_back
from transfers.admin.phones import offices_query, set_office_phone
from transfers.admin.services import AdminError
from transfers.admin.web import apply_form
from transfers.auth.models import RoleGrant
from transfers.db import utcnow
from transfers.extensions import db
from transfers.forms import first_errors
from transfers.imports.models import ImportGrant
from workflows.roles import Role

bp = Blueprint("offices", __name__, url_prefix="/offices")


def _office_label(office: RoleGrant) -> str:
    return str(
        _(
            "%(place)s%(role)s：%(name)s（%(user)s）",
            place=office.jurisdiction.name,
            role=_(Role(office.role).label),
            name=office.user.display_name,
            user=office.user.username,
        )
    )


@bp.route("/import-grants")
def import_grants() -> ResponseReturnValue:
    q = (request.args.get("q") or "").strip()[:50]
    offices, total = offices_to_grant(current_user, q)
    form = ImportGrantForm()
    form.office.choices = [("", _("请选择"))] + [(str(o.id), _office_label(o)) for o in offices]
    return render_template(
        "admin/import_grants.html",
        grants=grants_within(current_user),
        form=form,
        q=q,
        offered=len(offices),
        total=total,
    )


@bp.route("/import-grants", methods=["POST"])
def give_import_grant() -> ResponseReturnValue:
    form = ImportGrantForm()
    chosen = (form.office.data or "").strip()

    def step() -> ImportGrant:
        return give(current_user, int(chosen) if chosen.isdigit() else None, now=utcnow())

    apply_form(form, step, _("已授权导入"))
    return redirect(url_for("admin.offices.import_grants"))


@bp.route("/import-grants/<int:grant_id>/revoke", methods=["POST"])
def revoke_import_grant(grant_id: int) -> ResponseReturnValue:
    apply_form(ImportGrantForm(), lambda: take_back(current_user, grant_id), _("已撤销导入授权"))
    return redirect(url_for("admin.offices.import_grants"))


def _phones_page(
    errors: dict[int, str] | None = None, typed: dict[int, str] | None = None
) -> ResponseReturnValue:
    q = (request.args.get("q") or "").strip()
    page = db.paginate(offices_query(current_user, q), per_page=30)
    return render_template(
        "admin/phones.html",
        page=page,
        q=q,
        form=PhoneForm(),
        errors=errors or {},
        typed=typed or {},
    ), (422 if errors else 200)


@bp.route("/phones")
def phones() -> ResponseReturnValue:
    return _phones_page()


@bp.route("/phones/<int:jurisdiction_id>", methods=["POST"])
def set_phone(jurisdiction_id: int) -> ResponseReturnValue:
    form = PhoneForm()
    text = form.phone.data or ""
    if not form.validate_on_submit():
        message = "；".join(first_errors(form).values()) or _("页面已过期，请重新提交")
        return _phones_page({jurisdiction_id: message}, {jurisdiction_id: text})
    try:
        office = set_office_phone(current_user, jurisdiction_id, text)
    except AdminError as e:
        db.session.rollback()
        return _phones_page({jurisdiction_id: str(e)}, {jurisdiction_id: text})
    db.session.commit()
    flash(_("已保存%(place)s的电话", place=office.name), "success")
    return redirect(
        url_for("admin.offices.phones", q=request.args.get("q"), page=request.args.get("page"))
    )
