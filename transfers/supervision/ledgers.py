"""The supervisors' ledgers: 工作台账 (cases), 问题台账 and 整改台账 (problems, with 销号)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from transfers.auth.models import User
from transfers.cases.models import Case
from transfers.deadlines.models import Escalation
from transfers.engine.errors import InvalidAction, PermissionDenied
from transfers.engine.service import record_event
from transfers.extensions import db
from transfers.supervision.measures import open_step, overdue_step, overdue_steps
from transfers.supervision.models import Problem
from transfers.supervision.scope import in_scope, supervisor_paths
from transfers.tasks.models import Task
from transfers.visibility import within_paths
from workflows.calendar import local_date
from workflows.i18n import gettext as _

WORK_STATUSES = ("open", "closed", "overdue")


def work_ledger_query(
    paths: list[str], today: date, *, procedure: str = "", status: str = ""
) -> Select[Any]:
    """工作台账 of the jurisdictions `paths`: every case whose place lies there; with
    status "overdue", the cases whose overdue step counts there (the dashboard's steps:
    a case has at most one open step)."""
    if status == "overdue":
        steps = overdue_steps(paths, today).with_only_columns(Task.case_id)
        q = select(Case).where(Case.id.in_(steps))
    else:
        q = select(Case).where(within_paths(Case.jurisdiction_path, paths))
    if procedure:
        q = q.where(Case.procedure == procedure)
    if status == "open":
        q = q.where(Case.closed_at.is_(None))
    elif status == "closed":
        q = q.where(Case.closed_at.is_not(None))
    return q.options(joinedload(Case.person), joinedload(Case.intake)).order_by(Case.id)


def open_tasks_of(case_ids: list[int]) -> dict[int, Task]:
    if not case_ids:
        return {}
    return {
        t.case_id: t
        for t in db.session.scalars(select(Task).where(Task.case_id.in_(case_ids), *open_step()))
    }


def case_levels(case_ids: list[int]) -> dict[int, set[str]]:
    result: dict[int, set[str]] = defaultdict(set)
    if case_ids:
        for cid, level in db.session.execute(
            select(Escalation.case_id, Escalation.level).where(Escalation.case_id.in_(case_ids))
        ):
            result[cid].add(level)
    return result


def problem_query(user: User, *, status: str = "", kind: str = "") -> Select[Any]:
    """问题台账 / 整改台账: problems under the supervisor's jurisdictions."""
    q = select(Problem).where(within_paths(Problem.jurisdiction_path, supervisor_paths(user)))
    if status == "open":
        q = q.where(Problem.closed_at.is_(None))
    elif status == "closed":
        q = q.where(Problem.closed_at.is_not(None))
    if kind:
        q = q.where(Problem.kind == kind)
    return q.options(joinedload(Problem.case).joinedload(Case.person)).order_by(Problem.id)


def can_manage_problem(user: User, problem: Problem) -> bool:
    return in_scope(problem.jurisdiction_path, supervisor_paths(user))


def plan_rectification(
    problem: Problem, *, actor: User, measures: str, rectify_by: date | None, office: str
) -> Problem:
    """Record the rectification measures (整改措施), the responsible office and deadline."""
    if not can_manage_problem(actor, problem):
        raise PermissionDenied()
    if problem.is_closed:
        raise InvalidAction(_("该问题已销号"))
    problem.measures = measures.strip()[:1000]
    problem.office = office.strip()[:120] or problem.office
    problem.rectify_by = rectify_by
    db.session.flush()
    return problem


def still_overdue(case: Case, today: date) -> bool:
    """The case is open and its open step is past its due date (the ledger's 超期)."""
    overdue = select(Task.id).where(Task.case_id == case.id, *overdue_step(today))
    return db.session.scalar(overdue.limit(1)) is not None


def close_problem(problem: Problem, *, actor: User, resolution: str, now: datetime) -> Problem:
    """销号: by a supervisor of the problem's area, only with the rectification measures
    and the result recorded, and only once the case is closed or back within its time
    limit (a problem whose case is still overdue is not solved)."""
    if not can_manage_problem(actor, problem):
        raise PermissionDenied()
    if problem.is_closed:
        raise InvalidAction(_("该问题已销号"))
    resolution = (resolution or "").strip()
    if not resolution:
        raise InvalidAction(_("销号须填写整改结果（问题如何解决）"))
    if not problem.measures.strip():
        raise InvalidAction(_("销号前须先登记整改措施"))
    if still_overdue(problem.case, local_date(now)):
        raise InvalidAction(_("该事项仍超期未办结，办结或恢复按时后方可销号"))
    problem.resolution = resolution[:1000]
    problem.closed_at = now
    problem.closed_by_id = actor.id
    db.session.flush()
    record_event(
        problem.case,
        actor=actor,
        kind="problem_closed",
        now=now,
        reason=problem.resolution,
        data={"problem_id": problem.id},
    )
    return problem
