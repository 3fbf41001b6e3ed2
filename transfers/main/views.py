from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import func, select

from transfers.db import utcnow
from transfers.extensions import db
from transfers.observability.health import health
from transfers.supervision.measures import count_overdue
from transfers.supervision.scope import supervisor_paths
from transfers.tasks.services import queue_query
from workflows.calendar import local_date
from workflows.roles import Role

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home() -> ResponseReturnValue:
    today = local_date(utcnow())
    roles = current_user.roles
    counts = {}
    if roles - {Role.TOWNSHIP_SUPERVISOR, Role.COUNTY_SUPERVISOR, Role.ADMIN}:
        q = queue_query(current_user).subquery()
        counts["queue"] = db.session.scalar(select(func.count()).select_from(q))
        counts["queue_overdue"] = db.session.scalar(
            select(func.count()).select_from(q).where(q.c.due_on < today)
        )
    if any(r.is_supervisor for r in roles):
        counts["overdue"] = count_overdue(supervisor_paths(current_user), today)
    return render_template("main/home.html", counts=counts, roles=roles)


@bp.route("/healthz")
def healthz() -> ResponseReturnValue:
    """Database reachable, migrations current, a recent sweep: 200, else 503; JSON detail."""
    healthy, detail = health(utcnow())
    return jsonify(detail), 200 if healthy else 503
