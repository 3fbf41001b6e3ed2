"""Monthly and quarterly summaries (办理效能统计) per child jurisdiction and per office.

Cases count under their own place, steps and their escalations under their office
(``measures``'s jurisdiction rule), problems under the problem's jurisdiction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, or_, select

from transfers.cases.models import Case
from transfers.deadlines.models import Escalation
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from transfers.supervision import measures
from transfers.supervision.models import Problem
from transfers.supervision.scope import children, office_name
from transfers.tasks.models import Task
from transfers.visibility import within_paths
from workflows.calendar import LOCAL_TZ
from workflows.i18n import N_
from workflows.i18n import gettext as _
from workflows.roles import Role


@dataclass(frozen=True)
class Period:
    kind: str  # "month" or "quarter"
    year: int
    number: int

    @property
    def start(self) -> date:
        month = self.number if self.kind == "month" else 3 * (self.number - 1) + 1
        return date(self.year, month, 1)

    @property
    def end(self) -> date:
        """First day after the period."""
        months = 1 if self.kind == "month" else 3
        m = self.start.month - 1 + months
        return date(self.year + m // 12, m % 12 + 1, 1)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return _("%(year)s年%(month)s月", year=self.year, month=self.number)
        quarters = [
            _("%(year)s年第一季度", year=self.year),
            _("%(year)s年第二季度", year=self.year),
            _("%(year)s年第三季度", year=self.year),
            _("%(year)s年第四季度", year=self.year),
        ]
        return quarters[self.number - 1]

    def instants(self) -> tuple[datetime, datetime]:
        return (
            datetime.combine(self.start, time(), LOCAL_TZ),
            datetime.combine(self.end, time(), LOCAL_TZ),
        )

    def holds(self, instant: datetime | None) -> bool:
        start, end = self.instants()
        return instant is not None and start <= instant < end

    @classmethod
    def containing(cls, kind: str, day: date) -> Period:
        return cls(kind, day.year, day.month if kind == "month" else (day.month - 1) // 3 + 1)


SUMMARY_COLUMNS = [
    ("opened", N_("受理件数")),
    ("closed", N_("办结件数")),
    ("on_time", N_("按时办结件数")),
    ("rate", N_("按时办结率")),
    ("overdue", N_("超期环节数")),
    ("township", N_("催办次数")),
    ("district", N_("督办次数")),
    ("problems_opened", N_("新增问题")),
    ("problems_closed", N_("销号问题")),
]


TOTAL = N_("合计")


@dataclass
class SummaryRow:
    label: str
    values: Counter[str] = field(default_factory=Counter)
    office: bool = False  # offices act on steps; cases are opened at the window

    def value(self, key: str) -> Any:
        if self.office and key == "opened":
            return "—"
        if key == "rate":
            closed = self.values["closed"]
            return f"{100 * self.values['on_time'] / closed:.1f}%" if closed else "—"
        return self.values[key]


@dataclass
class Summary:
    period: Period
    by_jurisdiction: list[SummaryRow]
    by_office: list[SummaryRow]
    total: SummaryRow


class _Tally:
    """The rows being counted: per child of the node (and the total), per office."""

    def __init__(self, node: Jurisdiction) -> None:
        self.node = node
        self.kids = children(node)
        self.rows: dict[str, SummaryRow] = {c.name: SummaryRow(c.name) for c in self.kids}
        self.offices: dict[str, SummaryRow] = {}
        self.total = SummaryRow(TOTAL)

    def bump(self, path: str, key: str) -> None:
        """One more `key` under the child of the node holding `path`."""
        label = next(
            (c.name for c in self.kids if path.startswith(c.path)),
            _("%(name)s（本级）", name=self.node.name),
        )
        self.rows.setdefault(label, SummaryRow(label)).values[key] += 1
        self.total.values[key] += 1

    def bump_office(self, role: str, jurisdiction_id: int, key: str) -> None:
        j = db.session.get(Jurisdiction, jurisdiction_id)
        label = office_name(j.name if j else "", Role(role))
        self.offices.setdefault(label, SummaryRow(label, office=True)).values[key] += 1


def summary(node: Jurisdiction, period: Period, today: date) -> Summary:
    """Per child jurisdiction of `node` and per office: cases opened/closed, the on-time
    rate (按时办结率: cases closed in the period with no late step), overdue steps (due
    in the period, done late or not yet), 催办 and 督办 issued, problems opened/closed."""
    tally = _Tally(node)
    last_day = min(today, period.end - timedelta(days=1))
    _count_cases(tally, period, last_day)
    _count_steps(tally, period, last_day)
    _count_escalations(tally, period)
    _count_problems(tally, period)
    return Summary(
        period=period,
        by_jurisdiction=list(tally.rows.values()),
        by_office=sorted(tally.offices.values(), key=lambda r: r.label),
        total=tally.total,
    )


def _count_cases(tally: _Tally, period: Period, last_day: date) -> None:
    start, end = period.instants()
    cases = db.session.execute(
        select(Case.id, Case.jurisdiction_path, Case.opened_at, Case.closed_at).where(
            within_paths(Case.jurisdiction_path, [tally.node.path]),
            or_(
                and_(Case.opened_at >= start, Case.opened_at < end),
                and_(Case.closed_at >= start, Case.closed_at < end),
            ),
        )
    ).all()
    closed_ids = [c.id for c in cases if period.holds(c.closed_at)]
    late_cases: set[int] = set()
    if closed_ids:
        for t in db.session.execute(
            select(Task.case_id, Task.due_on, Task.closed_at).where(Task.case_id.in_(closed_ids))
        ):
            if measures.is_late(t.due_on, t.closed_at, last_day):
                late_cases.add(t.case_id)
    for c in cases:
        if period.holds(c.opened_at):
            tally.bump(c.jurisdiction_path, "opened")
        if c.id in closed_ids:
            tally.bump(c.jurisdiction_path, "closed")
            if c.id not in late_cases:
                tally.bump(c.jurisdiction_path, "on_time")


def _count_steps(tally: _Tally, period: Period, last_day: date) -> None:
    start, end = period.instants()
    steps = db.session.execute(
        select(
            Task.role, Task.jurisdiction_id, Task.due_on, Task.closed_at, measures.STEP_PLACE
        ).where(
            measures.steps_within([tally.node.path]),
            or_(
                and_(Task.closed_at >= start, Task.closed_at < end),
                and_(Task.due_on >= period.start, Task.due_on < period.end),
            ),
        )
    ).all()
    for role, jid, due_on, closed_at, place in steps:
        late = measures.is_late(due_on, closed_at, last_day)
        if period.holds(closed_at):
            tally.bump_office(role, jid, "closed")
            if not late:
                tally.bump_office(role, jid, "on_time")
        if due_on is not None and period.start <= due_on < period.end and late:
            tally.bump(place, "overdue")
            tally.bump_office(role, jid, "overdue")


def _count_escalations(tally: _Tally, period: Period) -> None:
    start, end = period.instants()
    for level, role, jid, place in db.session.execute(
        select(Escalation.level, Task.role, Task.jurisdiction_id, measures.STEP_PLACE)
        .join(Task, Task.id == Escalation.task_id)
        .where(
            measures.steps_within([tally.node.path]),
            Escalation.at >= start,
            Escalation.at < end,
            Escalation.level != "reminder",
        )
    ):
        tally.bump(place, level)
        tally.bump_office(role, jid, level)


def _count_problems(tally: _Tally, period: Period) -> None:
    start, end = period.instants()
    for p in db.session.scalars(
        select(Problem).where(
            within_paths(Problem.jurisdiction_path, [tally.node.path]),
            or_(
                and_(Problem.opened_at >= start, Problem.opened_at < end),
                and_(Problem.closed_at >= start, Problem.closed_at < end),
            ),
        )
    ):
        for key, instant in (("problems_opened", p.opened_at), ("problems_closed", p.closed_at)):
            if period.holds(instant):
                tally.bump(p.jurisdiction_path, key)
                if p.task is not None:
                    tally.bump_office(p.task.role, p.task.jurisdiction_id, key)
