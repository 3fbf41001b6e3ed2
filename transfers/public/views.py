"""Residents look up their household's cases with the receipt number (查询)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from transfers.cases.models import Case, Intake
from transfers.db import utcnow
from transfers.deadlines.services import work_calendar
from transfers.extensions import db, limiter
from transfers.forms import ChineseMeta
from transfers.tasks.models import Task
from workflows.calendar import deadline_status, local_date
from workflows.idcard import normalize

bp = Blueprint("public", __name__, url_prefix="/query")


class LookupForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    receipt_no = StringField(
        _l("办件编号"), validators=[InputRequired(_l("请输入办件编号")), Length(max=24)]
    )
    id_tail = StringField(
        _l("身份证号码后四位"),
        validators=[InputRequired(_l("请输入身份证号码后四位")), Length(min=4, max=4)],
    )


def lookup(receipt_no: str, id_tail: str) -> list[dict] | None:  # type: ignore[type-arg]
    """Case states of the household, or None when the pair does not match.

    Reveals no names, ID numbers or addresses: only procedure, step and timeliness.
    """
    intake = db.session.scalar(select(Intake).where(Intake.receipt_no == receipt_no.strip()))
    if intake is None:
        return None
    tail = normalize(id_tail)
    if not any(p.id_number.endswith(tail) for p in intake.household.members):
        return None
    cal, today = work_calendar(), local_date(utcnow())
    members = [p.id for p in intake.household.members]
    rows = []
    cases = db.session.scalars(
        select(Case).where(Case.household_id == intake.household_id).order_by(Case.id)
    ).all()
    # The open task of every case in one query, not one per case.
    tasks = {
        t.case_id: t
        for t in db.session.scalars(
            select(Task).where(Task.case_id.in_([c.id for c in cases]), Task.closed_at.is_(None))
        )
    }
    for i, case in enumerate(cases, 1):
        task = tasks.get(case.id)
        status = deadline_status(task.due_on, today, cal) if task else None
        rows.append(
            {
                "no": i,
                "procedure": case.workflow.label,
                "member": _(
                    "成员%(n)s",
                    n=members.index(case.person_id) + 1,
                )
                if case.person_id
                else _("全户"),
                "step": case.state_label,
                "closed": case.is_closed,
                "status": status,
                "opened_on": case.opened_at,
            }
        )
    return rows


@bp.route("/", methods=["GET", "POST"])
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def index():  # type: ignore[no-untyped-def]
    form = LookupForm()
    rows = None
    not_found = False
    if request.method == "POST" and form.validate_on_submit():
        rows = lookup(form.receipt_no.data or "", form.id_tail.data or "")
        not_found = rows is None
    return render_template("public/lookup.html", form=form, rows=rows, not_found=not_found)
