"""What the receipt (受理回执) promises the resident: a completion date for each case, the
office to call, and where to look the household up (with a QR code to scan).

The promised date of an open case is the latest day its remaining steps could take: the
current step's due date, then each later step's time limit (the configured table, per
office), along the longest way forward through the procedure; a step that waits for a
related case of the same person starts when that case is promised. A closed case's date
is its closing day.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date

import segno
from flask import current_app, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from transfers.cases.models import Case, Intake
from transfers.db import utcnow
from transfers.deadlines.services import due_date
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from transfers.tasks.models import Task
from workflows.base import Procedure
from workflows.calendar import local_date


@dataclass(frozen=True)
class ReceiptFacts:
    promised: dict[int, date | None]  # case id -> promised completion date
    latest: date | None  # of them all: the receipt's 承诺办结日期
    phone: str
    phone_office: str
    lookup_url: str
    qr_svg: str


def forward_moves(procedure: Procedure) -> dict[str, list[str]]:
    """Each state's ways forward: the moves to a state farther from the initial one (a
    return, 退回, goes back and is never part of a promise)."""
    depth = {procedure.initial: 0}
    queue = deque([procedure.initial])
    while queue:
        state = queue.popleft()
        for move in procedure.moves(state):
            if move.dest not in depth:
                depth[move.dest] = depth[state] + 1
                queue.append(move.dest)
    return {
        state: sorted({m.dest for m in procedure.moves(state) if depth[m.dest] > depth[state]})
        for state in depth
    }


def _latest_end(
    case: Case,
    state: str,
    start: date,
    forward: dict[str, list[str]],
    waits: dict[str, date],
    seen: dict[tuple[str, date], date],
) -> date:
    """The latest day the case can end, leaving `state` on `start` (`seen`: the answers
    found so far, as branches of a procedure meet again)."""
    if (state, start) in seen:
        return seen[(state, start)]
    procedure = case.workflow
    ends = [start]
    for dest in forward.get(state, []):
        spec = procedure.state(dest)
        day = start
        if spec.waits_on:
            day = max(start, waits.get(spec.waits_on, start))
        elif spec.waiting:
            day = due_date(case.procedure, dest, case.jurisdiction_path, start) or start
        ends.append(_latest_end(case, dest, day, forward, waits, seen))
    seen[(state, start)] = max(ends)
    return seen[(state, start)]


def promised_on(case: Case, task: Task | None, today: date, waits: dict[str, date]) -> date:
    """The promised completion date of one case (`waits`: the promised dates of the
    person's other cases, by procedure)."""
    if case.closed_at is not None:
        return local_date(case.closed_at)
    start = max(today, task.due_on) if task is not None and task.due_on else today
    if task is None and case.workflow.state(case.state).waits_on:
        start = max(start, waits.get(case.workflow.state(case.state).waits_on, start))
    return _latest_end(case, case.state, start, forward_moves(case.workflow), waits, {})


def promised_dates(cases: list[Case]) -> dict[int, date | None]:
    """Each case's promised date; a dependency's promise is worked out before its
    dependents' (two rounds: procedures depend on one another at most one deep)."""
    today = local_date(utcnow())
    tasks = {
        t.case_id: t
        for t in db.session.scalars(
            select(Task).where(Task.case_id.in_([c.id for c in cases]), Task.closed_at.is_(None))
        )
    }
    promised: dict[int, date | None] = {}
    for _round in range(2):
        by_person: dict[tuple[int | None, str], date] = {
            (c.person_id, c.procedure): d for c in cases if (d := promised.get(c.id)) is not None
        }
        for case in cases:
            waits = {proc: d for (pid, proc), d in by_person.items() if pid == case.person_id}
            promised[case.id] = promised_on(case, tasks.get(case.id), today, waits)
    return promised


def office_phone(place: Jurisdiction) -> tuple[str, str]:
    """(phone, office name): the accepting office's, else its nearest parent's with one."""
    node: Jurisdiction | None = place
    while node is not None:
        if node.phone:
            return node.phone, node.name
        node = node.parent
    return "", place.name


def lookup_url(receipt_no: str) -> str:
    """The lookup page with the receipt number filled in, at the site's public address
    (BASE_URL when set, else the address this page was asked at)."""
    path = url_for("public.index", receipt_no=receipt_no)
    base = str(current_app.config.get("BASE_URL") or request.url_root)
    return base.rstrip("/") + path


def receipt_facts(intake: Intake) -> ReceiptFacts:
    cases = list(intake.cases)
    promised = promised_dates(cases)
    known = [d for d in promised.values() if d is not None]
    phone, office = office_phone(intake.household.destination)
    url = lookup_url(intake.receipt_no)
    qr = segno.make(url, error="m")
    return ReceiptFacts(
        promised=promised,
        latest=max(known) if known else None,
        phone=phone,
        phone_office=office,
        lookup_url=url,
        qr_svg=qr.svg_inline(scale=3, omitsize=True, title=_("办件查询")),
    )
