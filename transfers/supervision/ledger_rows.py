"""The ledgers' rows and headers (工作台账, 问题台账, 整改台账), for the page and the workbook."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from transfers.cases.models import Case
from transfers.deadlines.models import EscalationLevel
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from transfers.supervision.ledgers import case_levels, open_tasks_of
from transfers.supervision.models import Problem
from workflows.calendar import WorkCalendar, deadline_status, local_date
from workflows.i18n import N_
from workflows.idcard import mask_name

WORK_HEADERS = [
    N_("办件编号"),
    N_("事项编号"),
    N_("事项"),
    N_("群众"),
    N_("迁出地"),
    N_("迁入地"),
    N_("当前环节"),
    N_("受理日期"),
    N_("办理时限"),
    N_("时限状态"),
    N_("办结日期"),
    N_("办理结果"),
    N_("催办督办"),
]


def work_rows(cases: list[Case], today: date, cal: WorkCalendar) -> list[tuple[list[Any], str]]:
    """Ledger rows, each with the traffic light of its time-limit status (or "")."""
    tasks = open_tasks_of([c.id for c in cases])
    levels = case_levels([c.id for c in cases])
    rows = []
    for c in cases:
        t = tasks.get(c.id)
        status = deadline_status(t.due_on, today, cal) if t else None
        rows.append(
            (
                [
                    c.intake.receipt_no if c.intake else "",
                    c.id,
                    _(c.workflow.label),
                    mask_name(c.subject_name),
                    c.household.origin.full_name,
                    c.household.destination.full_name,
                    _(c.state_label),
                    local_date(c.opened_at).isoformat(),
                    t.due_on.isoformat() if t and t.due_on else "",
                    status.text if status else (_("已办结") if c.is_closed else ""),
                    local_date(c.closed_at).isoformat() if c.closed_at else "",
                    _(c.workflow.state(c.outcome).outcome_label or c.state_label)
                    if c.outcome
                    else "",
                    _("、").join(
                        _(EscalationLevel(x).label)
                        for x in sorted(levels.get(c.id, ()), key=lambda v: EscalationLevel(v).rank)
                    ),
                ],
                status.light.value if status else "",
            )
        )
    return rows


PROBLEM_HEADERS = [
    N_("问题编号"),
    N_("发现日期"),
    N_("问题类型"),
    N_("所属辖区"),
    N_("关联事项"),
    N_("问题描述"),
    N_("责任单位"),
    N_("整改时限"),
    N_("状态"),
]
RECTIFICATION_HEADERS = [
    N_("问题编号"),
    N_("问题描述"),
    N_("责任单位"),
    N_("整改措施"),
    N_("整改时限"),
    N_("整改结果"),
    N_("销号人"),
    N_("销号日期"),
    N_("状态"),
]


def problem_rows(problems: list[Problem], mode: str) -> list[list[Any]]:
    paths = {p.jurisdiction_path for p in problems}
    names = {
        j.path: j.full_name
        for j in db.session.scalars(select(Jurisdiction).where(Jurisdiction.path.in_(paths)))
    }
    rows = []
    for p in problems:
        state = _("已销号") if p.is_closed else _("整改中")
        if mode == "problems":
            rows.append(
                [
                    p.number,
                    local_date(p.opened_at).isoformat(),
                    _(p.kind_label),
                    names.get(p.jurisdiction_path, ""),
                    _(
                        "%(procedure)s（%(name)s）",
                        procedure=_(p.case.workflow.label),
                        name=mask_name(p.case.subject_name),
                    ),
                    p.description,
                    p.office,
                    p.rectify_by.isoformat() if p.rectify_by else "",
                    state,
                ]
            )
        else:
            rows.append(
                [
                    p.number,
                    p.description,
                    p.office,
                    p.measures,
                    p.rectify_by.isoformat() if p.rectify_by else "",
                    p.resolution or "",
                    p.closed_by.display_name if p.closed_by else "",
                    local_date(p.closed_at).isoformat() if p.closed_at else "",
                    state,
                ]
            )
    return rows
