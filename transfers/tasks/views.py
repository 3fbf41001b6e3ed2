from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from transfers.db import utcnow
from transfers.deadlines.services import work_calendar
from transfers.engine import claim, release
from transfers.extensions import db
from transfers.tasks.models import Task
from transfers.tasks.permissions import can_act, can_claim, can_release
from transfers.tasks.services import done_query, queue_query, supervised_overdue_query
from transfers.web import safe_next
from workflows.calendar import deadline_status, local_date
from workflows.registry import PROCEDURES

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def _statuses(tasks: list[Task]) -> dict[int, object]:
    cal = work_calendar()
    today = local_date(utcnow())
    return {t.id: deadline_status(t.due_on, today, cal) for t in tasks}


@bp.route("/")
@login_required
def queue() -> ResponseReturnValue:
    procedure = request.args.get("procedure", "")
    state = request.args.get("state", "")
    sort = request.args.get("sort", "due")
    if procedure and procedure not in PROCEDURES:
        procedure = ""
    page = db.paginate(
        queue_query(current_user, procedure=procedure, state=state, sort=sort), per_page=20
    )
    return render_template(
        "tasks/queue.html",
        page=page,
        statuses=_statuses(page.items),
        procedures=PROCEDURES,
        procedure=procedure,
        state=state,
        sort=sort,
        can_claim=can_claim,
        can_act=can_act,
        can_release=can_release,
    )


@bp.route("/done")
@login_required
def done() -> ResponseReturnValue:
    page = db.paginate(done_query(current_user), per_page=20)
    return render_template("tasks/done.html", page=page)


@bp.route("/overdue")
@login_required
def overdue() -> ResponseReturnValue:
    if not any(r.is_supervisor for r in current_user.roles):
        abort(403)
    today = local_date(utcnow())
    page = db.paginate(supervised_overdue_query(current_user, today), per_page=20)
    return render_template("tasks/overdue.html", page=page, statuses=_statuses(page.items))


def _after(step: Callable[..., Task], task_id: int, message: str, category: str) -> Response:
    """Claim or release: commit, say so, go back where the button was (a refusal is the
    app's domain-error handler's to show)."""
    task = step(task_id=task_id, actor=current_user, now=utcnow())
    db.session.commit()
    flash(message, category)
    target = request.form.get("next")
    if target:
        return redirect(safe_next(target))
    return redirect(url_for("cases.detail", case_id=task.case_id))


@bp.route("/<int:task_id>/claim", methods=["POST"])
@login_required
def claim_task(task_id: int) -> ResponseReturnValue:
    return _after(claim, task_id, _("已认领，其他人将看到由您办理"), "success")


@bp.route("/<int:task_id>/release", methods=["POST"])
@login_required
def release_task(task_id: int) -> ResponseReturnValue:
    return _after(release, task_id, _("已释放认领"), "info")
