from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from transfers.cases.intake import proposals
from transfers.cases.models import Case, Intake
from transfers.cases.permissions import (
    can_open_cases,
    can_register_households,
    can_view_household,
)
from transfers.cases.services import open_intake, requested_members
from transfers.db import utcnow
from transfers.engine.service import household_facts, person_facts
from transfers.extensions import db
from transfers.forms import select_choices
from transfers.households.correction import may_correct
from transfers.households.forms import CorrectionForm, HouseholdForm
from transfers.households.models import Household, HouseholdEvent
from transfers.households.registration import register
from transfers.households.validation import (
    HouseholdError,
    HouseholdInput,
    MemberInput,
    member_row,
    staff_villages,
)
from transfers.jurisdictions.models import Jurisdiction, Site
from transfers.pagination import clamped_page
from transfers.privacy.forms import RevealIdForm
from transfers.privacy.services import reveal_id_number
from transfers.visibility import household_search, visible_households
from workflows.base import RelatedCase
from workflows.calendar import local_date
from workflows.party import voting_rights
from workflows.registry import PROCEDURES
from workflows.roles import Level

bp = Blueprint("households", __name__, url_prefix="/households")


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    q = (request.args.get("q") or "").strip()
    query = visible_households(current_user).options(
        selectinload(Household.members), selectinload(Household.destination)
    )
    if q:
        query = query.where(household_search(q))
    page = clamped_page(query.order_by(Household.id.desc()), per_page=20)
    return render_template(
        "households/index.html",
        page=page,
        q=q,
        can_register=can_register_households(current_user),
    )


def _village_choices() -> list[tuple[int, str]]:
    villages = db.session.scalars(
        select(Jurisdiction).where(Jurisdiction.level == Level.VILLAGE).order_by(Jurisdiction.path)
    ).all()
    return [(v.id, v.full_name) for v in villages]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    if not can_register_households(current_user):
        abort(403)
    form = HouseholdForm()
    villages = _village_choices()
    mine = staff_villages(current_user)
    form.origin_id.choices = select_choices([(0, _("请选择"))] + villages)
    form.destination_id.choices = select_choices(
        [(0, _("请选择"))] + [v for v in villages if v[0] in mine]
    )
    sites = db.session.scalars(
        select(Site).where(Site.jurisdiction_id.in_(mine)).order_by(Site.id)
    ).all()
    form.site_id.choices = select_choices(
        [(0, _("无（分散安置）"))] + [(s.id, s.name) for s in sites]
    )
    errors: dict[str, str] = {}
    if request.method == "GET" and len(mine) == 1:
        form.destination_id.data = next(iter(mine))
    if form.validate_on_submit():
        try:
            household = register(
                _household_input(form), actor=current_user, now=utcnow(), channel="form"
            )
            db.session.commit()
            flash(_("登记成功，请核对拟受理事项"), "success")
            return redirect(url_for("households.detail", household_id=household.id))
        except HouseholdError as e:
            db.session.rollback()
            errors = _map_member_errors(e.errors, form)
    elif request.method == "POST":
        errors = flatten_errors(form.errors)
    status = 422 if errors or (request.method == "POST") else 200
    response = make_response(
        render_template(
            "households/new.html", form=form, errors=errors, summary=error_summary(errors, form)
        )
    )
    response.status_code = status
    if request.method == "POST":
        response.headers["Cache-Control"] = "no-store"  # the ID numbers just typed
    return response


def _household_input(form: HouseholdForm) -> HouseholdInput:
    members = tuple(
        MemberInput(
            name=(m.form.name.data or "").strip(),
            id_number=m.form.id_number.data or "",
            relation=m.form.relation.data,
            party_status=m.form.party_status.data,
            collective_member=bool(m.form.collective_member.data),
            pension_status=m.form.pension_status.data,
            medical_insurance=m.form.medical_insurance.data,
            assistance=m.form.assistance.data,
            registered_poor=bool(m.form.registered_poor.data),
        )
        for m in form.members
        if not m.form.is_blank()
    )
    return HouseholdInput(
        origin_id=form.origin_id.data or None,
        destination_id=form.destination_id.data or None,
        settlement_mode=form.settlement_mode.data,
        members=members,
        site_id=form.site_id.data or None,
        moved_on=form.moved_on.data,
        address=form.address.data or "",
        phone=form.phone.data or "",
        lives_at_destination=bool(form.lives_at_destination.data),
        has_destination_housing=bool(form.has_destination_housing.data),
        has_destination_homestead=bool(form.has_destination_homestead.data),
        has_destination_contracted_land=bool(form.has_destination_contracted_land.data),
    )


def flatten_errors(errors: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """WTForms nests FieldList/FormField errors; flatten to "members-0-name" keys."""
    flat: dict[str, str] = {}
    for key, value in errors.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_errors(value, name + "-"))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    flat.update(flatten_errors(item, f"{name}-{i}-"))
                elif not isinstance(item, list):  # a message, maybe a lazy translation
                    flat.setdefault(name, str(item))
    return flat


def _map_member_errors(errors: dict[str, str], form: HouseholdForm) -> dict[str, str]:
    """Service errors index non-blank members; map them back to the form's rows."""
    rows = [i for i, m in enumerate(form.members) if not m.form.is_blank()]
    mapped: dict[str, str] = {}
    for key, message in errors.items():
        if key.startswith("members-") and key.count("-") >= 2:
            _prefix, idx, field = key.split("-", 2)
            mapped[f"members-{rows[int(idx)]}-{field}"] = message
        else:
            mapped[key] = message
    return mapped


def error_summary(errors: dict[str, str], form: HouseholdForm | CorrectionForm) -> list[str]:
    """The errors above the form, each naming the member row it is about
    (第2位成员（张三）：…), in the order of the form."""
    lines = []
    for key, message in errors.items():
        _prefix, _sep, rest = key.partition("members-")
        idx, _sep, field = rest.partition("-")
        if not _prefix and idx.isdigit() and field:
            name = form.members[int(idx)].form.name.data or ""
            row = member_row(int(idx) + 1, name)
            lines.append(_("%(row)s：%(message)s", row=row, message=message))
        else:
            lines.append(message)
    return lines


def _load_viewable(household_id: int) -> Household:
    household = db.get_or_404(Household, household_id)
    if not can_view_household(current_user, household):
        abort(403)
    return household


def _render_detail(household: Household, **extra: Any) -> str:
    cases = db.session.scalars(
        select(Case).where(Case.household_id == household.id).order_by(Case.id)
    ).all()
    intakes = db.session.scalars(
        select(Intake).where(Intake.household_id == household.id).order_by(Intake.id.desc())
    ).all()
    from workflows.hukou import option_eligibility

    hfacts = household_facts(household)
    voting = {}
    for person in household.members:
        party_cases = [c for c in cases if c.person_id == person.id and c.procedure == "party"]
        latest = party_cases[-1] if party_cases else None
        text = voting_rights(
            {**hfacts, **person_facts(person)},
            RelatedCase(latest.procedure, latest.state, latest.outcome, dict(latest.data or {}))
            if latest
            else None,
        )
        if text:
            voting[person.id] = text
    registrations = db.session.scalars(
        select(HouseholdEvent)
        .where(HouseholdEvent.household_id == household.id)
        .options(selectinload(HouseholdEvent.actor))
        .order_by(HouseholdEvent.id)
    ).all()
    extra.setdefault("reveal_form", RevealIdForm())
    extra.setdefault("revealed", {})
    return render_template(
        "households/detail.html",
        household=household,
        cases=cases,
        intakes=intakes,
        proposals=proposals(household, local_date(utcnow())),
        can_open=can_open_cases(current_user, household),
        hukou_options=option_eligibility(hfacts),
        voting=voting,
        registrations=registrations,
        can_correct=may_correct(current_user, household),
        case_names={c.id: f"{c.subject_name}{_(c.workflow.label)}" for c in cases},
        **extra,
    )


@bp.route("/<int:household_id>")
@login_required
def detail(household_id: int) -> ResponseReturnValue:
    return _render_detail(_load_viewable(household_id))


@bp.route("/<int:household_id>/id-number", methods=["POST"])
@login_required
def reveal_id(household_id: int) -> ResponseReturnValue:
    """查看完整身份证号: a deliberate POST, recorded in the access audit, never cached."""
    household = _load_viewable(household_id)
    form = RevealIdForm()
    person = next((p for p in household.members if p.id == form.person_id.data), None)
    if not form.validate_on_submit() or person is None:
        flash(_("请选择成员和查看事由"), "warning")
        return _render_detail(household, reveal_form=form), 422
    number = reveal_id_number(
        person=person,
        actor=current_user,
        purpose=form.purpose.data,
        now=utcnow(),
        remote_addr=request.remote_addr or "",
    )
    db.session.commit()
    response = make_response(_render_detail(household, revealed={person.id: number}))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:household_id>/intake", methods=["POST"])
@login_required
def intake(household_id: int) -> ResponseReturnValue:
    household = db.get_or_404(Household, household_id)
    if not can_open_cases(current_user, household):
        abort(403)
    wanted = []
    for key in sorted(set(request.form.getlist("open"))):
        person_id, _sep, procedure = key.partition(":")
        if not person_id.isdigit() or procedure not in PROCEDURES:
            flash(_("所选事项无需或不能受理，请刷新页面后重试"), "danger")
            return redirect(url_for("households.detail", household_id=household_id))
        wanted.append((int(person_id), procedure))
    if not wanted:
        flash(_("请至少勾选一项要受理的事项"), "warning")
        return redirect(url_for("households.detail", household_id=household_id))
    receipt = open_intake(
        household=household,
        requests=requested_members(household, wanted),
        actor=current_user,
        now=utcnow(),
    )
    db.session.commit()
    flash(_("已受理，办件编号 %(no)s", no=receipt.receipt_no), "success")
    return redirect(url_for("cases.receipt", receipt_no=receipt.receipt_no))
