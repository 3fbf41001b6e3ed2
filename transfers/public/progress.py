"""What the resident lookup tells about each case of a household: who is on it, by when,
and what the family has to do.

A case is 办理中 (in progress), 需补正 (returned, or documents missing: what to bring),
暂停计时 (the clock stopped: why, since when and until what), waiting for a related case,
or 已办结 按时 / 超时 (closed with no late step, or with one: the supervision rule of
transfers/supervision/measures.py). Each of its steps says its office, due date and state.
Names are masked (王*国); no ID number, address or phone is shown.

Three queries whatever the household's size: its cases, their steps with their offices,
and the running suspensions of the open steps with their missing items.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from transfers.cases.models import Case
from transfers.db import utcnow
from transfers.deadlines.models import Suspension
from transfers.deadlines.services import work_calendar
from transfers.extensions import db
from transfers.households.models import Person
from transfers.i18n import local_date_text
from transfers.supervision.measures import is_late
from transfers.tasks.models import Task
from workflows.base import RETURN
from workflows.calendar import deadline_status, local_date
from workflows.i18n import N_
from workflows.idcard import mask_name
from workflows.roles import Role

# The headline state of a case (its `state` key) and its words.
IN_PROGRESS, NEEDS_CORRECTION, PAUSED, WAITING = "in_progress", "correction", "paused", "waiting"
CLOSED_ON_TIME, CLOSED_LATE = "closed_on_time", "closed_late"


@dataclass(frozen=True)
class Office:
    """Where a step is handled: the place and the role (translated on the page)."""

    place: str
    role: str

    def __str__(self) -> str:
        return f"{self.place}{self.role}"


@dataclass
class Pause:
    """A stopped clock: why, since when and until what."""

    reason: str
    since: date
    until: str


@dataclass
class StepRow:
    label: str
    office: Office
    due_on: date | None
    state: str  # its words
    line: str = ""  # step · office · due date, in the interface language


class Words:
    """The words of one lookup's step lines, each translated once: a household's cases
    repeat the same steps, offices and dates, and each translation costs a catalog
    look-up."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if text not in self._seen:
            self._seen[text] = gettext(text)
        return self._seen[text]

    def day(self, value: date | None) -> str:
        if value is None:
            return self(N_("无时限"))
        key = f"@{value.isoformat()}"
        if key not in self._seen:
            self._seen[key] = self(N_("时限 %(date)s")) % {"date": local_date_text(value)}
        return self._seen[key]

    def line(self, step: StepRow) -> str:
        office = self(N_("%(place)s%(role)s")) % {
            "place": step.office.place,
            "role": self(step.office.role),
        }
        return f"{self(step.label)} · {office} · {self.day(step.due_on)}"


@dataclass
class CaseProgress:
    no: int
    procedure: str
    member: str
    step: str
    closed: bool
    status: Any  # the deadline light of the open step (DeadlineStatus), None when closed
    opened_on: Any
    state: str = IN_PROGRESS
    state_text: str = ""
    office: Office | None = None
    due_on: date | None = None
    bring: list[str] = field(default_factory=list)
    pause: Pause | None = None
    steps: list[StepRow] = field(default_factory=list)

    def __getitem__(self, key: str) -> Any:  # the API's schema reads rows as mappings
        return getattr(self, key)


def office_of(task: Task) -> Office:
    return Office(task.jurisdiction.name, Role(task.role).label)


def member_label(case: Case, members: dict[int, Person]) -> str:
    """The case's person, masked (王*国); a household case names the household."""
    person = members.get(case.person_id) if case.person_id is not None else None
    return mask_name(person.name) if person is not None else _("全户")


def case_progress(household_id: int, members: list[Person]) -> list[CaseProgress]:
    """Every case of the household with its steps, in the order they were opened."""
    cases = db.session.scalars(
        select(Case).where(Case.household_id == household_id).order_by(Case.id)
    ).all()
    steps: dict[int, list[Task]] = defaultdict(list)
    for task in db.session.scalars(
        select(Task)
        .options(joinedload(Task.jurisdiction))
        .where(Task.case_id.in_([c.id for c in cases]))
        .order_by(Task.id)
    ):
        steps[task.case_id].append(task)
    open_ids = [t.id for tasks in steps.values() for t in tasks if t.closed_at is None]
    pauses = {
        s.task_id: s
        for s in db.session.scalars(
            select(Suspension)
            .options(selectinload(Suspension.items))
            .where(Suspension.task_id.in_(open_ids), Suspension.resumed_at.is_(None))
        )
    }
    by_id = {p.id: p for p in members}
    rows = [_progress(i, case, steps[case.id], pauses, by_id) for i, case in enumerate(cases, 1)]
    words = Words()
    for row in rows:
        for step in row.steps:
            step.line = words.line(step)
    return rows


def _progress(
    no: int,
    case: Case,
    tasks: list[Task],
    pauses: dict[int, Suspension],
    members: dict[int, Person],
) -> CaseProgress:
    cal, today = work_calendar(), local_date(utcnow())
    current = next((t for t in tasks if t.closed_at is None), None)
    row = CaseProgress(
        no=no,
        procedure=case.workflow.label,
        member=member_label(case, members),
        step=case.state_label,
        closed=case.is_closed,
        status=deadline_status(current.due_on, today, cal) if current else None,
        opened_on=case.opened_at,
        steps=[_step(case, t, today) for t in tasks],
    )
    if case.is_closed:
        late = any(is_late(t.due_on, t.closed_at, today) for t in tasks)
        row.state = CLOSED_LATE if late else CLOSED_ON_TIME
        row.state_text = _("已办结（超时）") if late else _("已办结（按时）")
        return row
    if current is None:
        row.state, row.state_text = WAITING, _("等待关联事项办结")
        return row
    row.office, row.due_on = office_of(current), current.due_on
    _what_to_do(row, current, pauses.get(current.id))
    row.steps[-1].state = row.state_text
    return row


def _what_to_do(row: CaseProgress, task: Task, suspension: Suspension | None) -> None:
    """办理中, 需补正 (what to bring) or 暂停计时 (why and until what)."""
    row.state, row.state_text = IN_PROGRESS, _("办理中")
    if task.return_reason is not None:
        row.bring.append(task.return_reason or _("请向办理单位咨询需补正的内容"))
    if suspension is not None:
        missing = [i.name for i in suspension.items if i.received_at is None]
        row.bring += missing
        until = (
            _("补齐以下材料后恢复计时：%(items)s", items="、".join(missing))
            if missing
            else _("由办理单位恢复计时，办理时限按暂停天数顺延")
        )
        row.pause = Pause(suspension.reason, local_date(suspension.started_at), until)
        row.state, row.state_text = PAUSED, _("暂停计时")
    if row.bring:
        row.state, row.state_text = NEEDS_CORRECTION, _("需补正")


def _step(case: Case, task: Task, today: date) -> StepRow:
    label = case.workflow.state(task.state).label
    if task.closed_at is None:
        state = _("办理中")
    elif task.close_action == RETURN:
        state = _("已退回补正")
    elif is_late(task.due_on, task.closed_at, today):
        state = _("已完成（超时）")
    else:
        state = _("已完成（按时）")
    return StepRow(label, office_of(task), task.due_on, state)
