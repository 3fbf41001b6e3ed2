"""Lists as spreadsheets: the same queries as the screens, the user's jurisdiction only.

ID numbers and names are masked (first 6 and last 4 digits; 张*华) unless the caller
passes a `Disclosure` (a purpose given by the user): then every whole value goes through
it, and it records one access log entry listing the persons shown (docs/policy.md,
personal data).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from transfers.auth.models import User
from transfers.cases.models import Case
from transfers.deadlines.services import work_calendar
from transfers.exports.cells import csv_row
from transfers.exports.ledger_layout import HEADERS as LEDGER_HEADERS
from transfers.exports.ledger_layout import household_rows
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.imports.template import write_rows_xlsx
from transfers.jurisdictions.models import Jurisdiction
from transfers.privacy.services import Disclosure
from transfers.tasks.filters import QueueFilter
from transfers.tasks.models import Task
from transfers.tasks.services import filtered_queue, supervised_overdue_query
from transfers.tasks.status import row_status
from transfers.visibility import household_search, visible_cases, visible_households
from workflows.idcard import mask_id_number, mask_name

LIGHTS = {"green": "正常", "yellow": "预警", "red": "超期"}


@dataclass(frozen=True)
class Export:
    title: str
    headers: list[str]
    rows: Iterator[list[Any]]


def households_query(user: User, q: str = "") -> Select[Household]:
    """The households the user may see (as on the list page), matching the search box."""
    query = visible_households(user)
    if q.strip():
        query = query.where(household_search(q))
    return query.options(selectinload(Household.members)).order_by(Household.id.desc())


def cases_query(
    user: User, *, procedure: str = "", state: str = "", open_only: bool = False
) -> Select[Case]:
    """The cases the user may see (as on the case pages), filtered."""
    query = visible_cases(user)
    if procedure:
        query = query.where(Case.procedure == procedure)
    if state:
        query = query.where(Case.state == state)
    if open_only:
        query = query.where(Case.closed_at.is_(None))
    return query.order_by(Case.id)


Shown = Callable[[Person | None], str]


def _masker(disclosure: Disclosure | None) -> tuple[Shown, Shown]:
    """(name, ID number) of a person as the export shows them: masked, or whole
    through the disclosure that records who was shown."""
    if disclosure is not None:
        return (
            lambda p: disclosure.name(p) if p is not None else "",
            lambda p: disclosure.id_number(p) if p is not None else "",
        )
    return (
        lambda p: mask_name(p.name) if p is not None else "",
        lambda p: mask_id_number(p.id_number) if p is not None else "",
    )


def _subject(case: Case) -> Person | None:
    """The person a case is about: its own, or the household's head."""
    return case.person if case.person is not None else case.household.head


def _stream(query: Select[Any]) -> Iterator[Any]:
    """Rows in batches of 500 (server-side cursor on PostgreSQL): memory stays flat."""
    return iter(db.session.scalars(query.execution_options(yield_per=500)))


def _full_names() -> Callable[[int], str]:
    """Jurisdiction id -> full name (省市县乡村), from one query of the small table, so a
    long export does not walk each row's parents."""
    rows = {
        j: (name, parent)
        for j, name, parent in db.session.execute(
            select(Jurisdiction.id, Jurisdiction.name, Jurisdiction.parent_id)
        )
    }
    cache: dict[int, str] = {}

    def full_name(jid: int) -> str:
        if jid not in cache:
            name, parent = rows[jid]
            cache[jid] = (full_name(parent) if parent else "") + name
        return cache[jid]

    return full_name


def export_households(user: User, *, q: str = "", disclosure: Disclosure | None = None) -> Export:
    """The households the user sees, one row per person, in the ledger import's layout
    (`ledger_layout`): with full ID numbers it imports again with no change."""
    name, idno = _masker(disclosure)

    def shown_name(p: Person) -> str:
        return name(p)

    def shown_id(p: Person) -> str:
        return idno(p)

    rows = household_rows(_stream(households_query(user, q)), _full_names(), (shown_name, shown_id))
    return Export("搬迁户", list(LEDGER_HEADERS), rows)


def _task_rows(tasks: Iterator[Task], today: date, name: Shown) -> Iterator[list[Any]]:
    cal = work_calendar()
    for i, t in enumerate(tasks, 1):
        row = row_status(t, today, cal)  # as the queue shows it: a suspended step's moved date
        status = row.deadline
        if row.paused:
            shown = "暂停计时（办理时限按暂停的工作日顺延）"
        elif status is not None:
            shown = f"{LIGHTS.get(status.light, status.light)}：{status.text}"
        else:
            shown = "已办结"
        yield [
            i,
            t.case.workflow.label,
            t.case.workflow.state(t.state).label,
            name(_subject(t.case)),
            t.jurisdiction.name + t.role_label,
            t.created_at.date().isoformat(),
            row.due_on.isoformat() if row.due_on else "",
            shown,
            t.claimed_by.display_name if t.claimed_by else "未认领",
        ]


TASK_HEADERS = [
    "序号",
    "事项",
    "当前环节",
    "群众",
    "办理单位",
    "到达日期",
    "办理时限",
    "状态",
    "认领",
]


def export_queue(
    user: User, today: date, f: QueueFilter, *, disclosure: Disclosure | None = None
) -> Export:
    """The queue page's rows, all of them: the same `filtered_queue` (search box, procedure,
    step and order) as the page."""
    name, _ = _masker(disclosure)
    return Export(
        "我的待办", TASK_HEADERS, _task_rows(_stream(filtered_queue(user, f)), today, name)
    )


def export_overdue(user: User, today: date, *, disclosure: Disclosure | None = None) -> Export:
    name, _ = _masker(disclosure)
    q = supervised_overdue_query(user, today)
    return Export("超期督办", TASK_HEADERS, _task_rows(_stream(q), today, name))


def export_cases(
    user: User,
    *,
    procedure: str = "",
    state: str = "",
    open_only: bool = False,
    disclosure: Disclosure | None = None,
) -> Export:
    name, idno = _masker(disclosure)
    headers = [
        "序号",
        "办件编号",
        "事项",
        "群众",
        "身份证号码",
        "当前环节",
        "办理结果",
        "受理日期",
        "办结日期",
        "迁入地",
    ]

    def rows() -> Iterator[list[Any]]:
        full_name = _full_names()
        q = cases_query(user, procedure=procedure, state=state, open_only=open_only).options(
            joinedload(Case.person), joinedload(Case.intake), joinedload(Case.household)
        )
        for i, c in enumerate(_stream(q), 1):
            person = _subject(c)
            outcome = c.workflow.state(c.outcome).outcome_label if c.outcome else ""
            yield [
                i,
                c.intake.receipt_no if c.intake else "",
                c.workflow.label,
                name(person),
                idno(person),
                c.state_label,
                outcome,
                c.opened_at.date().isoformat(),
                c.closed_at.date().isoformat() if c.closed_at else "",
                full_name(c.household.destination_jurisdiction_id),
            ]

    return Export("办件", headers, rows())


def write_export(export: Export, fmt: str, out: IO[bytes]) -> None:
    if fmt == "xlsx":
        write_rows_xlsx(out, export.headers, export.rows)
        return
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(csv_row(export.headers))
    writer.writerows(csv_row(row) for row in export.rows)
    text.flush()
    text.detach()
