"""The medical insurance agency's monthly monitoring list (常态化监测)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from transfers.db import utcnow
from transfers.monitoring.services import can_see_medical_monitoring, medical_monitoring
from workflows.calendar import local_date

bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")


def _month(raw: str | None, today: date) -> date:
    if raw:
        try:
            year, month = (int(part) for part in raw.split("-", 1))
            return date(year, month, 1)
        except ValueError:
            flash(_("月份格式应为 2026-11，已显示本月"), "warning")
    return today.replace(day=1)


@bp.route("/medical")
@login_required
def medical() -> ResponseReturnValue:
    if not can_see_medical_monitoring(current_user):
        abort(403)
    today = local_date(utcnow())
    report = medical_monitoring(current_user, _month(request.args.get("month"), today))
    return render_template("monitoring/medical.html", report=report)
