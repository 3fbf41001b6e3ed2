"""The supervisors' daily digest (每日汇总): instead of one message per 催办, 督办 or new
ledger problem, each township and county supervisor gets one message a day listing them,
case by case. The tasks' own offices still get each 催办 and 督办 as it happens.

`send_digests(now)` covers, for each supervisor, what was recorded for their office since
their previous digest (the first one: the last day). It writes in the caller's
transaction; the scheduler commits and mails (transfers/scheduler.py). The hour is
DIGEST_HOUR (app config or environment; 8 by default, China time).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from transfers.auth.models import RoleGrant, User
from transfers.cases.models import Case
from transfers.deadlines.models import Escalation, EscalationLevel
from transfers.extensions import db
from transfers.inbox.models import Notification
from transfers.inbox.services import notify
from transfers.jurisdictions.models import Jurisdiction
from transfers.supervision.models import Problem
from transfers.tasks.models import Task
from transfers.visibility import within_paths
from workflows.calendar import local_date
from workflows.idcard import mask_name
from workflows.roles import Role

DIGEST_KIND = "digest"
# The roles 催办 and 督办 are addressed to (transfers.deadlines.escalating).
DIGEST_ROLES = (Role.TOWNSHIP_SUPERVISOR.value, Role.COUNTY_SUPERVISOR.value)
# Lines listed in one message; the rest are counted.
MAX_LINES = 30


def digest_hour(config: Mapping[str, Any]) -> int:
    """The hour (China time, 0–23) the digest goes out: DIGEST_HOUR, else 8."""
    value = int(config.get("DIGEST_HOUR") or os.environ.get("DIGEST_HOUR") or 8)
    if not 0 <= value <= 23:
        raise ValueError(f"DIGEST_HOUR must be an hour from 0 to 23, not {value}")
    return value


@dataclass(frozen=True)
class DigestLine:
    case_id: int
    text: str


def _case_label(case: Case, state: str) -> str:
    procedure = case.workflow
    return (
        f"{procedure.label}·{procedure.state(state).label}"
        f"（{mask_name(case.subject_name)}，事项编号{case.id}）"
    )


def _escalation_lines(role: str, path: str, since: datetime, now: datetime) -> list[DigestLine]:
    rows = db.session.execute(
        select(Escalation, Task.state)
        .join(Task, Task.id == Escalation.task_id)
        .where(
            Escalation.to_role == role,
            Escalation.to_path == path,
            Escalation.at > since,
            Escalation.at <= now,
        )
        .order_by(Escalation.case_id, Escalation.id)
    ).all()
    cases = _cases({e.case_id for e, _state in rows})
    today = local_date(now)
    return [
        DigestLine(
            e.case_id,
            f"【{EscalationLevel(e.level).label}】{_case_label(cases[e.case_id], state)}"
            f"，办理时限{e.due_on:%Y-%m-%d}，已超期{(today - e.due_on).days}天",
        )
        for e, state in rows
    ]


def _problem_lines(path: str, since: datetime, now: datetime) -> list[DigestLine]:
    problems = db.session.scalars(
        select(Problem)
        .where(
            within_paths(Problem.jurisdiction_path, [path]),
            Problem.opened_at > since,
            Problem.opened_at <= now,
        )
        .order_by(Problem.case_id, Problem.id)
    ).all()
    return [DigestLine(p.case_id, f"【新增问题】{p.description}") for p in problems]


def _cases(ids: set[int]) -> dict[int, Case]:
    rows = db.session.scalars(
        select(Case)
        .where(Case.id.in_(ids))
        .options(joinedload(Case.person), joinedload(Case.household))
    )
    return {c.id: c for c in rows}


def _last_digest(user: User) -> datetime | None:
    return db.session.scalar(
        select(func.max(Notification.at)).where(
            Notification.user_id == user.id, Notification.kind == DIGEST_KIND
        )
    )


def compose(lines: Sequence[DigestLine], now: datetime) -> tuple[str, str]:
    """(title, body) of one digest: the counts, then one line per 催办, 督办 or problem
    grouped by case, at most MAX_LINES of them."""
    counts = {
        label: sum(1 for line in lines if line.text.startswith(f"【{label}】"))
        for label in (EscalationLevel.TOWNSHIP.label, EscalationLevel.DISTRICT.label, "新增问题")
    }
    summary = "、".join(f"{label}{n}" for label, n in counts.items() if n)
    cases = len({line.case_id for line in lines})
    title = f"【每日汇总】{local_date(now):%m月%d日}：{cases}件事项（{summary}）"
    shown = sorted(lines, key=lambda line: line.case_id)[:MAX_LINES]
    body = "\n".join(line.text for line in shown)
    if len(lines) > len(shown):
        body += f"\n……另有{len(lines) - len(shown)}条，请在“超期督办”和“问题台账”中查看。"
    return title, body[:2000]


def _supervisors() -> list[tuple[User, str, str]]:
    """Active supervisors with each of their offices: (user, role, path)."""
    rows = db.session.execute(
        select(User, RoleGrant.role, Jurisdiction.path)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .join(Jurisdiction, Jurisdiction.id == RoleGrant.jurisdiction_id)
        .where(RoleGrant.role.in_(DIGEST_ROLES), User.active.is_(True))
        .order_by(User.id, RoleGrant.id)
    ).all()
    return [(user, role, path) for user, role, path in rows]


def send_digests(now: datetime) -> list[Notification]:
    """One digest per supervisor with something new since their previous one."""
    lines_of: dict[int, list[DigestLine]] = {}
    for user, role, path in _supervisors():
        since = _last_digest(user) or now - timedelta(days=1)
        lines = _escalation_lines(role, path, since, now)
        if role == Role.TOWNSHIP_SUPERVISOR.value:
            lines += _problem_lines(path, since, now)
        lines_of.setdefault(user.id, []).extend(lines)
    sent: list[Notification] = []
    for user_id, lines in lines_of.items():
        if lines:
            title, body = compose(lines, now)
            sent += notify([user_id], kind=DIGEST_KIND, title=title, body=body, now=now)
    return sent


__all__ = ["DIGEST_KIND", "compose", "digest_hour", "send_digests"]
