from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from transfers.db import utcnow
from transfers.engine import claim, release
from transfers.extensions import db
from transfers.pagination import clamped_page
from transfers.tasks.filters import QueueFilter, user_steps
from transfers.tasks.models import Task
from transfers.tasks.outcome import finished_task, remember_queue, remembered_queue
from transfers.tasks.permissions import can_claim
from transfers.tasks.services import (
    done_query,
    filtered_queue,
    next_task,
    supervised_overdue_query,
)
from transfers.tasks.status import row_statuses
from transfers.web import safe_next
from workflows.calendar import local_date

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


@bp.route("/")
@login_required
def queue() -> ResponseReturnValue:
    f = QueueFilter.from_args(request.args, current_user)
    remember_queue(f)
    page = clamped_page(filtered_queue(current_user, f), per_page=20)
    steps = user_steps(current_user)
    return render_template(
        "tasks/queue.html",
        page=page,
        statuses=row_statuses(page.items),
        f=f,
        steps=steps,
        procedures={s.procedure: s.procedure_label for s in steps},
        can_claim=can_claim,
    )


@bp.route("/next")
@login_required
def next_one() -> ResponseReturnValue:
    """下一件: the case of the next task in the queue last looked at, or that queue."""
    f = remembered_queue(current_user)
    task = next_task(current_user, f, finished_task())
    if task is None:
        flash(_("当前筛选条件下没有其他待办事项。"), "info")
        return redirect(url_for("tasks.queue", **f.as_args()), 303)
    return redirect(url_for("cases.detail", case_id=task.case_id), 303)


@bp.app_template_global()
def remembered_queue_url() -> str:
    """返回待办: the queue in the filter and order the user last looked at it."""
    return url_for("tasks.queue", **remembered_queue(current_user).as_args())


@bp.route("/done")
@login_required
def done() -> ResponseReturnValue:
    page = clamped_page(done_query(current_user), per_page=20)
    return render_template("tasks/done.html", page=page)


@bp.route("/overdue")
@login_required
def overdue() -> ResponseReturnValue:
    if not any(r.is_supervisor for r in current_user.roles):
        abort(403)
    today = local_date(utcnow())
    page = clamped_page(supervised_overdue_query(current_user, today), per_page=20)
    return render_template("tasks/overdue.html", page=page, statuses=row_statuses(page.items))


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
