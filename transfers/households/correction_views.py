"""更正登记 at the web door: the form shows the registration as it is; the domain
(`transfers.households.correction`) decides and records. Routes on the households
blueprint."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from transfers.db import utcnow
from transfers.extensions import db
from transfers.forms import select_choices
from transfers.households.correction import (
    Corrected,
    HouseholdCorrection,
    correct_household,
    may_correct,
)
from transfers.households.correction_fields import correction_from
from transfers.households.forms import CorrectionForm
from transfers.households.models import Household
from transfers.households.validation import HouseholdError
from transfers.households.views import bp, error_summary, flatten_errors
from transfers.jurisdictions.models import Site
from workflows.registry import PROCEDURES


def _form(household: Household) -> CorrectionForm:
    """The registration as it stands (GET) or as posted. Full ID numbers are not shown
    (that is a deliberate, audited view): each ID field is empty, with the masked number
    as its hint, and only a number typed there corrects it."""
    if request.method == "GET":
        form = CorrectionForm(obj=household)
        form.site_id.data = household.site_id or 0
        for entry, person in zip(form.members, household.members, strict=True):
            entry.form.person_id.data = str(person.id)
            entry.form.id_number.data = ""
    else:
        form = CorrectionForm()
    people = {p.id: p for p in household.members}
    for entry in form.members:
        if known := people.get(_person_id(entry.form.person_id.data)):
            hint = _("%(id)s（不更正无需填写）", id=known.masked_id)
            entry.form.id_number.render_kw = {
                **(entry.form.id_number.render_kw or {}),
                "placeholder": hint,
            }
    sites = db.session.scalars(
        select(Site).where(Site.jurisdiction_id == household.destination_jurisdiction_id)
    ).all()
    form.site_id.choices = select_choices(
        [(0, _("无（分散安置）"))] + [(s.id, s.name) for s in sites]
    )
    return form


def _person_id(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() else 0


TEXT_FIELDS = ("name", "relation", "party_status", "pension_status", "medical_insurance")


def _correction(form: CorrectionForm, household: Household) -> HouseholdCorrection:
    """The posted form as a correction (HouseholdError for a member not of this household)."""
    members: dict[int, dict[str, Any]] = {}
    for m in form.members:
        row: dict[str, Any] = {f: m.form[f].data or "" for f in TEXT_FIELDS}
        row["assistance"] = m.form.assistance.data or ""
        row["collective_member"] = bool(m.form.collective_member.data)
        row["registered_poor"] = bool(m.form.registered_poor.data)
        if (m.form.id_number.data or "").strip():  # typed: a corrected number
            row["id_number"] = m.form.id_number.data
        members[_person_id(m.form.person_id.data)] = row
    changes = {
        "settlement_mode": form.settlement_mode.data or "",
        "site_id": form.site_id.data or None,
        "moved_on": form.moved_on.data,
        "address": form.address.data or "",
        "phone": form.phone.data or "",
        "lives_at_destination": bool(form.lives_at_destination.data),
        "has_destination_housing": bool(form.has_destination_housing.data),
        "has_destination_homestead": bool(form.has_destination_homestead.data),
        "has_destination_contracted_land": bool(form.has_destination_contracted_land.data),
    }
    return correction_from(household, form.reason.data or "", changes, members)


def _done_message(result: Corrected) -> str:
    parts = [_("已更正登记（%(n)s项）", n=len(result.changes))]
    if result.updated:
        names = "、".join(f"{c.subject_name}{_(c.workflow.label)}" for c in result.updated)
        parts.append(_("已更新办理中的事项：%(cases)s", cases=names))
    if result.flagged:
        names = "、".join(f"{c.subject_name}{_(c.workflow.label)}" for c in result.flagged)
        parts.append(_("须复核的事项：%(cases)s", cases=names))
    if result.proposed:
        names = "、".join(f"{n}{_(label)}" for n, label in result.proposed)
        parts.append(_("新增拟受理事项：%(items)s", items=names))
    return "；".join(parts)


@bp.route("/<int:household_id>/correct", methods=["GET", "POST"])
@login_required
def correct(household_id: int) -> ResponseReturnValue:
    household = db.get_or_404(Household, household_id)
    if not may_correct(current_user, household):
        abort(403)
    form = _form(household)
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            result = correct_household(
                household,
                _correction(form, household),
                actor=current_user,
                now=utcnow(),
                channel="form",
            )
        except HouseholdError as e:
            db.session.rollback()
            errors = e.errors
        else:
            db.session.commit()
            flash(_done_message(result), "success")
            return redirect(url_for("households.detail", household_id=household.id), 303)
    elif request.method == "POST":
        errors = flatten_errors(form.errors)
    household = db.session.get(Household, household_id) or household
    response = make_response(
        render_template(
            "households/correct.html",
            household=household,
            form=form,
            errors=errors,
            summary=error_summary(errors, form),
            procedures=PROCEDURES,
        ),
        422 if request.method == "POST" else 200,
    )
    response.headers["Cache-Control"] = "no-store"  # full ID numbers are on this form
    return response
