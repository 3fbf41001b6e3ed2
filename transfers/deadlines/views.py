"""Deadline pages: the administrator's time-limit and calendar tables; suspension,
one-time notice (一次性告知书) and resuming on a case."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from transfers.cases.models import Case
from transfers.cases.permissions import can_view_case
from transfers.db import utcnow
from transfers.deadlines import services as ds
from transfers.deadlines.forms import (
    EmptyForm,
    OverrideForm,
    RangeForm,
    SuspendForm,
    TimeLimitForm,
)
from transfers.deadlines.holidays import RangeError, day_ranges, remove_range, set_range
from transfers.deadlines.models import (
    CalendarOverride,
    Escalation,
    MissingItem,
    Suspension,
    TimeLimit,
)
from transfers.deadlines.suspension import receive_item, resume, suspend
from transfers.deadlines.sweep import EscalationPolicy
from transfers.extensions import db
from transfers.forms import first_errors, select_choices
from transfers.jurisdictions.models import Jurisdiction
from transfers.tasks.models import Task
from transfers.tasks.permissions import can_act
from workflows.calendar import LimitUnit, local_date
from workflows.registry import PROCEDURES
from workflows.roles import Role

bp = Blueprint("deadlines", __name__)


def _admin_only() -> None:
    if not current_user.has_role(Role.ADMIN):
        abort(403)


def _steps() -> list[tuple[str, str]]:
    return [
        (f"{p.name}:{s.name}", f"{_(p.label)}·{_(s.label)}")
        for p in PROCEDURES.values()
        for s in p.states.values()
        if s.waiting
    ]


def _delete(
    model: type[TimeLimit] | type[CalendarOverride], row_id: int, message: str, page: str
) -> ResponseReturnValue:
    """An administrator deletes a time limit or a calendar day: the default applies again."""
    _admin_only()
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.delete(db.get_or_404(model, row_id))
    db.session.commit()
    ds.invalidate_cache()
    flash(message, "info")
    return redirect(url_for(page))


# --- administration --------------------------------------------------------------------------
@bp.route("/admin/limits", methods=["GET", "POST"])
@login_required
def limits() -> ResponseReturnValue:
    _admin_only()
    form = TimeLimitForm()
    form.step.choices = select_choices(_steps())
    jurisdictions = db.session.scalars(select(Jurisdiction).order_by(Jurisdiction.path)).all()
    form.jurisdiction.choices = select_choices(
        [("", _("全部辖区（默认）"))]
        + [(j.path, f"{'　' * (j.path.count('/') - 1)}{j.name}") for j in jurisdictions]
    )
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            procedure, _sep, state = form.step.data.partition(":")
            try:
                ds.set_time_limit(
                    procedure=procedure,
                    state=state,
                    jurisdiction_path=form.jurisdiction.data or "",
                    amount=form.amount.data,
                    unit=form.unit.data,
                )
                db.session.commit()
                ds.invalidate_cache()
                flash(_("时限已保存；新到达该环节的事项按新时限计算"), "success")
                return redirect(url_for("deadlines.limits"))
            except ValueError as e:
                db.session.rollback()
                flash(str(e), "danger")
        status = 422
    rows = db.session.scalars(
        select(TimeLimit).order_by(
            TimeLimit.procedure, TimeLimit.state, TimeLimit.jurisdiction_path
        )
    ).all()
    names = {j.path: j.full_name for j in jurisdictions}
    return render_template(
        "deadlines/limits.html",
        form=form,
        rows=rows,
        names=names,
        procedures=PROCEDURES,
        units={u.value: u.label for u in LimitUnit},
        policy=EscalationPolicy.from_config(current_app.config),
        missing_years=ds.missing_calendar_years(local_date(utcnow())),
        delete_form=EmptyForm(),
    ), status


@bp.route("/admin/limits/<int:limit_id>/delete", methods=["POST"])
@login_required
def delete_limit(limit_id: int) -> ResponseReturnValue:
    return _delete(TimeLimit, limit_id, _("已删除该时限设置，恢复默认时限"), "deadlines.limits")


@bp.route("/admin/calendar", methods=["GET", "POST"])
@login_required
def calendar() -> ResponseReturnValue:
    _admin_only()
    form = OverrideForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            entered = set_range(
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                is_workday=form.is_workday.data == "1",
                note=form.note.data or "",
            )
        except RangeError as e:
            db.session.rollback()
            errors = e.errors
        else:
            db.session.commit()
            ds.invalidate_cache()
            saved = _("日历调整已保存：%(note)s，共%(n)s天", note=entered.note, n=entered.days)
            flash(saved, "success")
            return redirect(url_for("deadlines.calendar"))
    elif request.method == "POST":
        errors = first_errors(form)
    return render_template(
        "deadlines/calendar.html",
        form=form,
        errors=errors,
        ranges=day_ranges(),
        missing_years=ds.missing_calendar_years(local_date(utcnow())),
        range_form=RangeForm(),
    ), (422 if request.method == "POST" else 200)


@bp.route("/admin/calendar/remove", methods=["POST"])
@login_required
def delete_range() -> ResponseReturnValue:
    """An administrator removes an entered range: the official calendar applies again."""
    _admin_only()
    form = RangeForm()
    if not form.validate_on_submit() or form.starts_on.data is None or form.ends_on.data is None:
        abort(400)
    try:
        removed = remove_range(form.starts_on.data, form.ends_on.data)
    except RangeError as e:
        db.session.rollback()
        flash(str(e), "danger")
        return redirect(url_for("deadlines.calendar"))
    db.session.commit()
    ds.invalidate_cache()
    flash(_("已删除%(n)s天的调整", n=removed), "info")
    return redirect(url_for("deadlines.calendar"))


@bp.route("/admin/calendar/<int:override_id>/delete", methods=["POST"])
@login_required
def delete_override(override_id: int) -> ResponseReturnValue:
    return _delete(CalendarOverride, override_id, _("已删除"), "deadlines.calendar")


# --- suspension on a case ----------------------------------------------------------------------
def _visible_task(task_id: int) -> Task:
    task = db.get_or_404(Task, task_id)
    if not can_view_case(current_user, task.case, (task.jurisdiction_path,)):
        abort(403)
    return task


def _done(task: Task, message: str) -> ResponseReturnValue:
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("cases.detail", case_id=task.case_id))


@bp.route("/tasks/<int:task_id>/suspend", methods=["POST"])
@login_required
def suspend_task(task_id: int) -> ResponseReturnValue:
    task = _visible_task(task_id)
    form = SuspendForm()
    if not form.validate_on_submit():
        flash(_("请填写暂停计时的原因"), "danger")
        return redirect(url_for("cases.detail", case_id=task.case_id))
    items = (form.items.data or "").splitlines()
    s = suspend(
        task, actor=current_user, reason=form.reason.data, now=utcnow(), missing_items=items
    )
    if s.is_notice:
        db.session.commit()
        flash(_("已一次性告知并暂停计时，请打印一次性告知书交群众"), "success")
        return redirect(url_for("deadlines.notice", suspension_id=s.id))
    return _done(task, _("已暂停计时"))


@bp.route("/suspensions/<int:suspension_id>/resume", methods=["POST"])
@login_required
def resume_task(suspension_id: int) -> ResponseReturnValue:
    s = db.get_or_404(Suspension, suspension_id)
    task = _visible_task(s.task_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    resume(s, actor=current_user, now=utcnow(), reason=request.form.get("reason", "")[:200])
    return _done(task, _("已恢复计时，办理时限顺延%(n)s个工作日", n=s.extended_days))


@bp.route("/missing-items/<int:item_id>/receive", methods=["POST"])
@login_required
def receive(item_id: int) -> ResponseReturnValue:
    item = db.get_or_404(MissingItem, item_id)
    task = _visible_task(item.suspension.task_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    s = receive_item(item, actor=current_user, now=utcnow())
    if not s.is_running:
        return _done(task, _("补正材料已全部收到，已恢复计时"))
    return _done(task, _("已登记收到：%(item)s", item=item.name))


@bp.route("/suspensions/<int:suspension_id>/notice")
@login_required
def notice(suspension_id: int) -> ResponseReturnValue:
    s = db.session.get(Suspension, suspension_id)
    if s is None or not s.is_notice:
        abort(404)
    task = _visible_task(s.task_id)
    return render_template("deadlines/notice.html", s=s, task=task, case=task.case)


def case_deadline_panel(case: Case, task: Task | None) -> dict[str, Any]:
    """What the case page shows about suspensions and escalations (a template global)."""
    suspensions = db.session.scalars(
        select(Suspension).where(Suspension.case_id == case.id).order_by(Suspension.id)
    ).all()
    escalations = db.session.scalars(
        select(Escalation).where(Escalation.case_id == case.id).order_by(Escalation.id)
    ).all()
    # The step's running suspension is among the case's (one query for the panel).
    running = next(
        (s for s in suspensions if task and s.task_id == task.id and s.resumed_at is None), None
    )
    return {
        "suspensions": suspensions,
        # Ended, or left running by a step that was acted on while suspended.
        "past": [s for s in suspensions if s is not running],
        "escalations": escalations,
        "running": running,
        "can_manage": can_act(current_user, task),
        "suspend_form": SuspendForm(),
        "form": EmptyForm(),
    }
