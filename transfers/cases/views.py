from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select, true
from sqlalchemy.orm import QueryableAttribute, joinedload

from transfers.cases.documents import DocumentRejected, download_name, store_document
from transfers.cases.forms import DocumentForm, action_form_class, form_defaults, required_names
from transfers.cases.models import Case, Document, Event, Intake
from transfers.cases.permissions import can_view_case, can_view_household
from transfers.cases.printables import printable, printables_for
from transfers.db import utcnow
from transfers.deadlines.services import work_calendar
from transfers.engine import (
    InvalidAction,
    RuleViolation,
    StaleVersion,
    act,
    build_context,
    open_task,
)
from transfers.extensions import db
from transfers.forms import first_errors
from transfers.jurisdictions.models import Jurisdiction
from transfers.public.receipt import receipt_facts
from transfers.tasks.models import Task
from transfers.tasks.outcome import acted_message, remember_finished
from transfers.tasks.permissions import can_act, can_claim, can_release
from transfers.tasks.status import row_statuses
from workflows.base import Action, Procedure
from workflows.calendar import deadline_status, local_date
from workflows.diagram import diagram
from workflows.i18n import gettext as translate
from workflows.party import voting_rights
from workflows.registry import get_procedure
from workflows.roles import Level, ancestor_path

bp = Blueprint("cases", __name__, url_prefix="/cases")


def _load_visible(case_id: int) -> Case:
    case = db.get_or_404(Case, case_id)
    task_paths = tuple(
        db.session.scalars(select(Task.jurisdiction_path).where(Task.case_id == case.id))
    )
    if not can_view_case(current_user, case, task_paths):
        abort(403)
    return case


_CaseRow = TypeVar("_CaseRow", Task, Document, Event)


def _of_case(
    model: type[_CaseRow], case: Case, shown: QueryableAttribute[Any]
) -> Sequence[_CaseRow]:
    """The case's rows of `model` in the order they were written, each with the related
    row the page shows (`shown`, a relationship of `model`) loaded with it."""
    return db.session.scalars(
        select(model).where(model.case_id == case.id).options(joinedload(shown)).order_by(model.id)
    ).all()


@bp.route("/<int:case_id>")
@login_required
def detail(case_id: int):  # type: ignore[no-untyped-def]
    case = _load_visible(case_id)
    tasks = _of_case(Task, case, Task.jurisdiction)
    task = next((t for t in tasks if t.closed_at is None), None)  # the open one, if any
    ctx = build_context(case, utcnow())
    actions = (
        case.workflow.available_actions(case.state, ctx) if can_act(current_user, task) else []
    )
    status = deadline_status(task.due_on, local_date(utcnow()), work_calendar()) if task else None
    documents = _of_case(Document, case, Document.uploaded_by)
    related = db.session.scalars(
        select(Case)
        .where(Case.household_id == case.household_id, Case.id != case.id)
        .where(Case.person_id == case.person_id if case.person_id else true())
        .options(joinedload(Case.person))
        .order_by(Case.id)
    ).all()
    events = _of_case(Event, case, Event.actor)
    return render_template(
        "cases/detail.html",
        case=case,
        task=task,
        tasks=tasks,
        status=status,
        step_status=row_statuses([task])[task.id] if task else None,
        actions=actions,
        documents=documents,
        related=related,
        events=events,
        diagram=_diagram(case.workflow),
        late_steps={
            t.id: bool(t.due_on and t.closed_at and local_date(t.closed_at) > t.due_on)
            for t in tasks
        },
        doc_form=DocumentForm(version=case.version),
        can_claim=can_claim(current_user, task),
        can_release=can_release(current_user, task),
        can_upload=can_act(current_user, task),
        printables=printables_for(case),
        waiting_for=_waiting_for(case),
        voting=voting_rights(ctx.facts, ctx.related.get("party")) if case.person else "",
    )


@bp.route("/<int:case_id>/act/<trigger>", methods=["GET", "POST"])
@login_required
def act_view(case_id: int, trigger: str):  # type: ignore[no-untyped-def]
    case = _load_visible(case_id)
    task = open_task(case)
    if request.method == "GET" and _moved_past(case, trigger):
        # The back button after acting: the form's step is done; show where the case is.
        flash(_("该环节已办理，事项当前：%(state)s。", state=translate(case.state_label)), "info")
        return redirect(url_for("cases.detail", case_id=case.id), 303)
    action = _actionable(case, task, trigger)
    ctx = build_context(case, utcnow())
    form_cls = action_form_class(action, ctx)
    if request.method == "GET":
        form = form_cls(version=case.version, data=form_defaults(action, ctx))
        return _act_page(case, action, form)
    form = form_cls()
    if not form.validate_on_submit():
        return _act_page(case, action, form, errors=first_errors(form)), 422
    try:
        seen = int(form.version.data or -1)
    except ValueError:
        seen = -1
    raw = {f.name: request.form.get(f.name) for f in action.fields}
    try:
        act(
            case_id=case.id,
            action=trigger,
            actor=current_user,
            seen_version=seen,
            data=raw,
            now=utcnow(),
        )
        db.session.commit()
    except RuleViolation as e:
        db.session.rollback()
        return _act_page(case, action, form, errors=e.errors), 422
    except StaleVersion as e:
        db.session.rollback()
        flash(str(e), "warning")
        return _act_page(db.session.get_one(Case, case_id), action, form, stale=True), 409
    remember_finished(task.id if task else None)
    flash(acted_message(case, action.label), "acted")
    return redirect(url_for("cases.detail", case_id=case_id), 303)


def _actionable(case: Case, task: Task | None, trigger: str) -> Action:
    """The user action `trigger` the current user may take on `case` now, or abort: 409
    when the case moved on since the form was rendered, 403, or 404 for no such action."""
    if not can_act(current_user, task):
        # Lost a race or double-clicked: the case moved on since the form was rendered
        # (the task may be read just after the winner's commit, the case just before).
        moved = task is None or task.state != case.state
        stale_form = request.form.get("version") != str(case.version)
        if request.method == "POST" and (moved or stale_form):
            abort(409)
        abort(403)
    try:
        action = case.workflow.action(trigger, case.state)
    except InvalidAction:
        abort(404)
    if action.system:
        abort(404)
    return action


def _act_page(case: Case, action: Action, form: Any, **extra: Any) -> str:
    return render_template(
        "cases/act.html",
        case=case,
        action=action,
        form=form,
        errors=extra.pop("errors", {}),
        required=required_names(action),
        **extra,
    )


@bp.route("/<int:case_id>/documents", methods=["POST"])
@login_required
def upload(case_id: int):  # type: ignore[no-untyped-def]
    case = _load_visible(case_id)
    if not can_act(current_user, open_task(case)):
        abort(403)
    form = DocumentForm()
    if not form.validate_on_submit():
        for msgs in form.errors.values():
            flash(msgs[0], "danger")
        return redirect(url_for("cases.detail", case_id=case_id))
    try:
        store_document(
            case=case,
            stream=form.file.data.stream,
            filename=form.file.data.filename or "",
            description=form.description.data or "",
            actor=current_user,
            folder=Path(current_app.config["UPLOAD_FOLDER"]),
            max_bytes=current_app.config["MAX_DOCUMENT_BYTES"],
            now=utcnow(),
        )
        db.session.commit()
        flash(_("材料已上传"), "success")
    except DocumentRejected as e:
        db.session.rollback()
        flash(str(e), "danger")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/documents/<int:document_id>")
@login_required
def document(document_id: int):  # type: ignore[no-untyped-def]
    doc = db.get_or_404(Document, document_id)
    _load_visible(doc.case_id)
    path = Path(current_app.config["UPLOAD_FOLDER"]) / doc.stored_name
    if not path.is_file():
        abort(404)
    return send_file(
        path, mimetype=doc.content_type, download_name=download_name(doc), as_attachment=True
    )


def _diagram(procedure: Procedure) -> dict[str, Any]:
    """The state diagram with its labels in the interface language (drawn by diagram.js)."""
    data = diagram(procedure)
    data["label"] = translate(data["label"])
    for node in data["nodes"]:
        node["label"], node["role"] = translate(node["label"]), translate(node["role"])
    for link in data["links"]:
        link["label"] = translate(link["label"])
    return data


def _moved_past(case: Case, trigger: str) -> bool:
    """Whether `trigger` was an action of a step the case has left (or it closed)."""
    if case.is_closed:
        return True
    try:
        case.workflow.action(trigger, case.state)
    except InvalidAction:
        return any(
            trigger in {a.trigger for a in case.workflow.actions_in(s)}
            for s in case.workflow.states
        )
    return False


def _waiting_for(case: Case) -> str:
    """The procedure a case waits on with no task of its own (re-evaluated by the engine)."""
    waits_on = case.workflow.state(case.state).waits_on
    return get_procedure(waits_on).label if waits_on and not case.is_closed else ""


def _county_of(j: Jurisdiction) -> Jurisdiction:
    node: Jurisdiction | None = j
    path = ancestor_path(j.path, Level.COUNTY)
    while node is not None and node.path != path:
        node = node.parent
    return node or j


def _township_of(j: Jurisdiction) -> Jurisdiction:
    return j.parent or j


@bp.route("/<int:case_id>/print/<key>")
@login_required
def print_document(case_id: int, key: str):  # type: ignore[no-untyped-def]
    """A document issued for one case, for printing on A4 (title, number, office, seal)."""
    case = _load_visible(case_id)
    doc = printable(case, key)
    if doc is None:
        abort(404)
    hh = case.household
    issuer = _("%(county)s民政局", county=_county_of(hh.origin).name)
    if (case.data or {}).get("document_kind") == "letter":
        recipient = _("%(county)s民政局", county=_county_of(hh.destination).name)
    else:
        recipient = _(
            "%(township)s人民政府（街道办事处）", township=_township_of(hh.destination).name
        )
    return render_template(
        doc.template, case=case, doc_title=doc.label(case), issuer=issuer, recipient=recipient
    )


@bp.route("/receipts/<receipt_no>")
@login_required
def receipt(receipt_no: str):  # type: ignore[no-untyped-def]
    intake = db.session.scalar(select(Intake).where(Intake.receipt_no == receipt_no))
    if intake is None:
        abort(404)
    if not can_view_household(current_user, intake.household):
        abort(403)
    return render_template("cases/receipt.html", intake=intake, facts=receipt_facts(intake))
