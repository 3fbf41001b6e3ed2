"""The overdue list of a supervisor's area, and the 催办单 / 督办单 to one office.

Which steps are overdue and where they count is ``measures``; this module adds the
list's filters, order and what a row shows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import joinedload

from transfers.auth.models import User
from transfers.cases.models import Case
from transfers.deadlines.models import Escalation, EscalationLevel
from transfers.engine.errors import InvalidAction, PermissionDenied
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from transfers.supervision import measures
from transfers.supervision.scope import area, office_name
from transfers.tasks.models import Task
from workflows.i18n import gettext as _
from workflows.roles import Role


@dataclass
class OverdueFilter:
    node: str = ""
    procedure: str = ""
    level: str = ""
    bucket: str = ""
    sort: str = "due"


def overdue_query(
    user: User | None, today: date, f: OverdueFilter, paths: list[str] | None = None
) -> Select[Any]:
    """The overdue steps of the user's area (narrowed to the filter's node), with the
    filters. `paths` instead of a user: that area (the scheduler's snapshots)."""
    if paths is None:
        assert user is not None
        paths = area(user, f.node)
    q = measures.overdue_steps(paths, today)
    if f.procedure:
        q = q.where(Task.procedure == f.procedure)
    if f.level in measures.LEVEL_LABELS:
        q = q.where(measures.level_expr() == f.level)
    if f.bucket in {b[0] for b in measures.BUCKETS}:
        q = q.where(measures.bucket_expr(today) == f.bucket)
    return q


LIST_ORDER = {
    "-due": (Task.due_on.desc(), Task.id.desc()),
    "procedure": (Task.procedure, Task.due_on, Task.id),
    "office": (Task.jurisdiction_path, Task.role, Task.due_on, Task.id),
}
DEFAULT_ORDER = (Task.due_on, Task.id)


def overdue_rows(user: User, today: date, f: OverdueFilter) -> Select[Any]:
    q = overdue_query(user, today, f).options(
        joinedload(Task.case).joinedload(Case.person),
        joinedload(Task.jurisdiction),
    )
    return q.order_by(*LIST_ORDER.get(f.sort, DEFAULT_ORDER))


def tasks_in_order(ids: list[int]) -> list[Task]:
    """The overdue list's tasks of `ids`, in that order, with what a row shows."""
    if not ids:
        return []
    tasks = {
        t.id: t
        for t in db.session.scalars(
            select(Task)
            .where(Task.id.in_(ids))
            .options(
                joinedload(Task.case).joinedload(Case.person),
                joinedload(Task.jurisdiction),
            )
        )
    }
    return [tasks[i] for i in ids]


def escalations_of(task_ids: list[int]) -> dict[int, list[Escalation]]:
    result: dict[int, list[Escalation]] = defaultdict(list)
    if task_ids:
        for e in db.session.scalars(
            select(Escalation).where(Escalation.task_id.in_(task_ids)).order_by(Escalation.id)
        ):
            result[e.task_id].append(e)
    return result


# --- 催办单 / 督办单 -------------------------------------------------------------------------
@dataclass
class Notice:
    level: EscalationLevel
    number: str
    issuer: str
    office: str
    tasks: list[Task]
    escalations: dict[int, Escalation]
    date: date


def notice(
    user: User, level: EscalationLevel, role: str, jurisdiction: Jurisdiction, today: date
) -> Notice:
    """The printable 催办单 (township) or 督办单 (county) to one office: its open steps
    in the issuer's area that carry this level."""
    township = level is EscalationLevel.TOWNSHIP
    issuer_role = Role.TOWNSHIP_SUPERVISOR if township else Role.COUNTY_SUPERVISOR
    grants = [g for g in user.grants if g.role == issuer_role]
    if not grants:
        raise PermissionDenied(
            _("只有%(role)s可以出具催办单", role=_(issuer_role.label))
            if township
            else _("只有%(role)s可以出具督办单", role=_(issuer_role.label))
        )
    rows = db.session.execute(
        select(Task, Escalation)
        .join(Escalation, and_(Escalation.task_id == Task.id, Escalation.level == level.value))
        .where(
            *measures.open_step(),
            Task.role == role,
            Task.jurisdiction_id == jurisdiction.id,
            measures.steps_within([g.jurisdiction.path for g in grants]),
        )
        .options(joinedload(Task.case).joinedload(Case.person))
        .order_by(Task.due_on, Task.id)
    ).all()
    if not rows:
        raise InvalidAction(
            _("该单位没有需要催办的超期事项") if township else _("该单位没有需要督办的超期事项")
        )
    escalations = {t.id: e for t, e in rows}
    first = min(e.id for e in escalations.values())
    word = "催" if township else "督"
    grant = grants[0]
    return Notice(
        level=level,
        number=f"{grant.jurisdiction.name}{word}字〔{today.year}〕{first}号",
        issuer=office_name(grant.jurisdiction.full_name, issuer_role),
        office=office_name(jurisdiction.full_name, Role(role)),
        tasks=[t for t, _e in rows],
        escalations=escalations,
        date=today,
    )
