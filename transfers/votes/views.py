"""Vote sessions of collective organizations: publish a list, print the notice, record tallies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from transfers.db import utcnow
from transfers.engine import RuleViolation
from transfers.extensions import db
from transfers.forms import first_errors
from transfers.jurisdictions.models import Jurisdiction
from transfers.votes.forms import PublishForm, VoteForm
from transfers.votes.models import VoteSession
from transfers.votes.objections import objections_of
from transfers.votes.services import (
    SessionError,
    Tallied,
    applicants_waiting,
    can_manage,
    collective_villages,
    default_publicity_days,
    last_session,
    publish_session,
    record_votes,
)
from workflows.calendar import local_date
from workflows.collective_membership import votes_needed

T = TypeVar("T")

bp = Blueprint("votes", __name__, url_prefix="/votes")


def _village(village_id: int) -> Jurisdiction:
    village = db.get_or_404(Jurisdiction, village_id)
    if not can_manage(current_user, village):
        abort(403)
    return village


def _session(session_id: int) -> VoteSession:
    session = db.get_or_404(VoteSession, session_id)
    if not can_manage(current_user, session.jurisdiction):
        abort(403)
    return session


def _committed(step: Callable[[], T]) -> tuple[T | None, dict[str, str]]:
    """What `step` made, committed; or nothing kept and its refusals by form field, for
    the form to be shown again with everything typed."""
    try:
        made = step()
    except (SessionError, RuleViolation) as e:
        db.session.rollback()
        return None, e.errors
    db.session.commit()
    return made, {}


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    villages = collective_villages(current_user)
    if not villages:
        abort(403)
    sessions = db.session.scalars(
        select(VoteSession)
        .where(VoteSession.jurisdiction_id.in_([v.id for v in villages]))
        .order_by(VoteSession.id.desc())
    ).all()
    waiting = {v.id: len(applicants_waiting(v)) for v in villages}
    return render_template(
        "votes/index.html", villages=villages, sessions=sessions, waiting=waiting
    )


@bp.route("/new/<int:village_id>", methods=["GET", "POST"])
@login_required
def new(village_id: int) -> ResponseReturnValue:
    village = _village(village_id)
    applicants = applicants_waiting(village)
    form = PublishForm()
    errors: dict[str, str] = {}
    previous = last_session(village)
    if request.method == "GET":
        form.starts_on.data = local_date(utcnow())
        form.days.data = default_publicity_days(village)
        if previous is not None:  # the same collective: the same body, most likely
            form.body.data, form.body_size.data = previous.body, previous.body_size
    chosen = {int(v) for v in request.form.getlist("case") if v.isdigit()}
    if form.validate_on_submit():
        by_id = {c.id: c for c in applicants}
        session, errors = _committed(
            lambda: publish_session(
                village=village,
                cases=[by_id[i] for i in sorted(chosen) if i in by_id],
                body=form.body.data or "",
                body_size=form.body_size.data or 0,
                starts_on=form.starts_on.data,
                days=form.days.data or 0,
                backdate_reason=form.backdate_reason.data or "",
                actor=current_user,
                now=utcnow(),
            )
        )
        if session is not None:
            flash(_("已公示申请人名单，公示编号 %(no)s", no=session.notice_no), "success")
            return redirect(url_for("votes.detail", session_id=session.id))
    elif request.method == "POST":
        errors = first_errors(form)
    return render_template(
        "votes/new.html",
        village=village,
        applicants=applicants,
        form=form,
        errors=errors,
        previous=previous,
        chosen=chosen if request.method == "POST" else {c.id for c in applicants},
    ), (422 if errors else 200)


def _tallies(session: VoteSession) -> tuple[dict[int, Tallied], dict[str, str]]:
    """The votes typed for each applicant (a blank row is skipped), or why not."""
    tallies: dict[int, Tallied] = {}
    errors: dict[str, str] = {}
    for entry in session.entries:
        raw = [
            request.form.get(f"{k}-{entry.case_id}", "").strip()
            for k in ("for", "against", "abstain")
        ]
        if not raw[0]:
            continue
        try:
            numbers = [int(x) if x else 0 for x in raw]
        except ValueError:
            errors[str(entry.case_id)] = _("%(name)s：票数应为整数", name=entry.case.subject_name)
            continue
        if min(numbers) < 0:
            errors[str(entry.case_id)] = _("%(name)s：票数不能为负数", name=entry.case.subject_name)
            continue
        tallies[entry.case_id] = Tallied(*numbers)
    return tallies, errors


@bp.route("/<int:session_id>", methods=["GET", "POST"])
@login_required
def detail(session_id: int) -> ResponseReturnValue:
    session = _session(session_id)
    form = VoteForm()
    errors: dict[str, str] = {}
    today = local_date(utcnow())
    if request.method == "GET" and form.voted_on.data is None:
        form.voted_on.data = today
    if form.validate_on_submit():
        tallies, errors = _tallies(session)
        if not errors:
            _done, errors = _committed(
                lambda: record_votes(
                    session=session,
                    tallies=tallies,
                    voted_on=form.voted_on.data,
                    actor=current_user,
                    now=utcnow(),
                )
            )
        if not errors:
            flash(_("已登记表决结果"), "success")
            return redirect(url_for("votes.detail", session_id=session.id))
        session = _session(session_id)
    elif request.method == "POST":
        errors = first_errors(form)
    return render_template(
        "votes/detail.html",
        session=session,
        form=form,
        errors=errors,
        needed=votes_needed(session.body_size),
        **_objections(session),
        publicity_over=today > session.publicity_ends_on,
        values=request.form if request.method == "POST" else {},
    ), (422 if errors else 200)


def _objections(session: VoteSession) -> dict[str, Any]:
    """The session's objections, applicant by applicant, and the applicants' names."""
    found = objections_of(e.case_id for e in session.entries)
    return {
        "objections": [o for e in session.entries for o in found.get(e.case_id, [])],
        "names": {e.case_id: e.case.subject_name for e in session.entries},
    }


@bp.route("/<int:session_id>/notice")
@login_required
def notice(session_id: int) -> ResponseReturnValue:
    session = _session(session_id)
    cases = [e.case for e in session.entries]
    return render_template("votes/notice.html", session=session, cases=cases)
