"""Supervisors' queries and ledger operations, filtered by jurisdiction in SQL.

A supervisor (township or county) sees the work under the jurisdictions of their
supervisor grants: an open task counts when its office or its case lies there.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    false,
    func,
    literal,
    null,
    or_,
    select,
    text,
    union,
    union_all,
)
from sqlalchemy.orm import joinedload

from transfers.auth.models import User
from transfers.cases.models import Case
from transfers.deadlines.models import Escalation, EscalationLevel
from transfers.engine.errors import InvalidAction, PermissionDenied
from transfers.engine.service import record_event
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from transfers.supervision.models import Problem
from transfers.tasks.models import Task
from workflows.calendar import LOCAL_TZ, local_date
from workflows.i18n import N_
from workflows.i18n import gettext as _
from workflows.roles import Role


# --- scope -----------------------------------------------------------------------------
def supervisor_paths(user: User) -> list[str]:
    return [g.jurisdiction.path for g in user.grants if Role(g.role).is_supervisor]


def is_supervisor(user: User) -> bool:
    return bool(supervisor_paths(user))


def _within(column: Any, paths: list[str]) -> ColumnElement[bool]:
    if not paths:
        return false()
    return or_(*[_prefixed(column, p) for p in paths])


def _prefixed(column: Any, path: str) -> ColumnElement[bool]:
    """`column` starts with `path`. PostgreSQL turns the LIKE into an index range itself
    (varchar_pattern_ops); SQLite does not when LIKE has an ESCAPE, so it also gets the
    range, which is exact under its binary collation (a path ends with "/", and "0"
    follows "/")."""
    like = column.startswith(path, autoescape=True)
    if db.session.get_bind().dialect.name != "sqlite" or not path.endswith("/"):
        return like
    return and_(column >= path, column < path[:-1] + "0", like)


def in_scope(path: str, paths: list[str]) -> bool:
    return any(path.startswith(p) for p in paths)


def office_name(place: str, role: Role) -> str:
    """An office as officials name it: the place, then the body (XX镇派出所)."""
    return _("%(place)s%(office)s", place=place, office=_(role.label))


# --- the overdue dashboard ---------------------------------------------------------------
BUCKETS: list[tuple[str, str, int, int | None]] = [
    ("1-5", N_("超期1–5天"), 1, 5),
    ("6-15", N_("超期6–15天"), 6, 15),
    ("16-30", N_("超期16–30天"), 16, 30),
    ("31+", N_("超期30天以上"), 31, None),
]
LEVEL_LABELS = {"none": N_("未催办"), "township": N_("已催办"), "district": N_("已督办")}


def level_expr() -> ColumnElement[str]:
    """The highest escalation of an overdue task: district, township or none.

    One correlated aggregate per task (an index-only probe of its escalations), not an
    EXISTS per level: PostgreSQL had hashed the whole district level for the first."""
    rank = case(
        (Escalation.level == EscalationLevel.DISTRICT.value, 2),
        (Escalation.level == EscalationLevel.TOWNSHIP.value, 1),
        else_=0,
    )
    highest = func.max(rank)
    return (
        select(case((highest == 2, "district"), (highest == 1, "township"), else_="none"))
        .where(Escalation.task_id == Task.id)
        .scalar_subquery()
    )


def bucket_expr(today: date) -> ColumnElement[str]:
    whens = []
    for key, _label, lo, hi in BUCKETS:
        cond = Task.due_on <= today - timedelta(days=lo)
        if hi is not None:
            cond = and_(cond, Task.due_on >= today - timedelta(days=hi))
        whens.append((cond, key))
    return case(*whens, else_="31+")


@dataclass
class OverdueFilter:
    node: str = ""
    procedure: str = ""
    level: str = ""
    bucket: str = ""
    sort: str = "due"


def _area(user: User, f: OverdueFilter) -> list[str]:
    """The paths looked at: the user's supervised areas, narrowed to the filter's node.
    Paths are nested or disjoint, so the intersection of two prefix ranges is the
    longer path when one contains the other."""
    scope = supervisor_paths(user)
    if not f.node:
        return scope
    area = {
        f.node if f.node.startswith(p) else p
        for p in scope
        if f.node.startswith(p) or p.startswith(f.node)
    }
    return sorted(area)


def _covers_everything(paths: list[str]) -> bool:
    """Whether every jurisdiction lies under `paths` (a province supervisor in a province's
    database): then every task's office does too, and the area needs no condition."""
    return bool(paths) and all(in_scope(r, paths) for r in _roots())


def _roots() -> list[str]:
    """The top jurisdictions' paths, read once per session (a page asked up to five times)."""
    roots = db.session.info.get("jurisdiction_roots")
    if roots is None:
        roots = db.session.info["jurisdiction_roots"] = list(
            db.session.scalars(select(Jurisdiction.path).where(Jurisdiction.parent_id.is_(None)))
        )
    return roots


def overdue_query(
    user: User | None, today: date, f: OverdueFilter, paths: list[str] | None = None
) -> Select[Any]:
    """Open tasks past their due date under the user's supervision, with the filters.

    A task counts when its office or its case lies in the area. Each side is an index
    range (open tasks by office path; cases by path, then their open task), so the cost
    follows the area's tasks, not the province's. `paths` instead of a user: that area
    (the scheduler's dashboard snapshots)."""
    if paths is None:
        assert user is not None
        paths = _area(user, f)
    open_overdue = (Task.closed_at.is_(None), Task.due_on < today)
    by_office = _within(Task.jurisdiction_path, paths)
    if _covers_everything(paths):
        q = select(Task).where(*open_overdue)  # every office is in the area
    else:
        # An open task belongs to an open case: the open cases' path index is enough.
        by_case = (
            select(Task.id)
            .join(Case, Case.id == Task.case_id)
            .where(*open_overdue, Case.closed_at.is_(None), _within(Case.jurisdiction_path, paths))
        )
        q = select(Task).where(
            *open_overdue,
            Task.id.in_(union(select(Task.id).where(*open_overdue, by_office), by_case)),
        )
    if f.procedure:
        q = q.where(Task.procedure == f.procedure)
    if f.level in LEVEL_LABELS:
        q = q.where(level_expr() == f.level)
    if f.bucket in {b[0] for b in BUCKETS}:
        q = q.where(bucket_expr(today) == f.bucket)
    return q


def overdue_rows(user: User, today: date, f: OverdueFilter) -> Select[Any]:
    q = overdue_query(user, today, f).options(
        joinedload(Task.case).joinedload(Case.person),
        joinedload(Task.jurisdiction),
    )
    order = {
        "-due": (Task.due_on.desc(), Task.id.desc()),
        "procedure": (Task.procedure, Task.due_on, Task.id),
        "office": (Task.jurisdiction_path, Task.role, Task.due_on, Task.id),
    }.get(f.sort, (Task.due_on, Task.id))
    return q.order_by(*order)


def children(node: Jurisdiction) -> list[Jurisdiction]:
    """The child jurisdictions of `node` by code, read once per session (the board and
    the charts both group by them)."""
    known = db.session.info.setdefault("jurisdiction_children", {})
    if node.id not in known:
        known[node.id] = list(
            db.session.scalars(
                select(Jurisdiction)
                .where(Jurisdiction.parent_id == node.id)
                .order_by(Jurisdiction.code)
            )
        )
    return known[node.id]


# The offices listed on the dashboard: those with the most overdue tasks (a province has
# thousands; drilling down lists the rest).
OFFICES_SHOWN = 50


@dataclass
class Dashboard:
    total: int
    by_procedure: list[tuple[str, int]]
    by_jurisdiction: list[tuple[Jurisdiction | None, int]]
    by_bucket: list[tuple[str, str, int]]
    by_level: list[tuple[str, str, int]]
    by_office: list[dict[str, Any]]
    # The ids of one page of the overdue list, in order (when the statement was asked).
    page_ids: list[int] = field(default_factory=list)


def _place_expr(node: Jurisdiction, kids: list[Jurisdiction]) -> ColumnElement[Any]:
    """Where a task counts among the children: its office's path when the office lies
    below `node`, else its case's path (read only then). Grouped by this, and mapped to a
    child in Python: a prefix test per child and task costs more than the whole scan."""
    if not kids:
        return null()
    n = len(node.path)
    office = Task.jurisdiction_path
    below = and_(func.substr(office, 1, n) == node.path, func.length(office) > n)
    by_case = select(Case.jurisdiction_path).where(Case.id == Task.case_id).scalar_subquery()
    return case((below, office), else_=by_case)


def _child_of(node: Jurisdiction, kids: list[Jurisdiction]) -> Any:
    by_path = {c.path: c.id for c in kids}
    depth = node.path.count("/")

    def child(place: str | None) -> int | None:
        if not place:
            return None
        return by_path.get("/".join(place.split("/")[: depth + 1]) + "/")

    return child


def dashboard(
    user: User | None,
    today: date,
    f: OverdueFilter,
    node: Jurisdiction,
    paths: list[str] | None = None,
    page: tuple[int, int] | None = None,
) -> Dashboard:
    """Counts of overdue tasks by procedure, child jurisdiction, lateness, level, office:
    one statement, one pass over the overdue tasks, whatever the number of groups.

    `page` (offset, limit): the same statement also picks that page of the overdue list
    in the filter's order (``page_ids``), instead of a second query finding the same
    tasks again (``overdue_rows``)."""
    kids = children(node)
    if db.session.get_bind().dialect.name == "postgresql":
        # A province groups ~70,000 overdue tasks: in memory (hash) instead of sorting on
        # disk with the default 4 MB. For this request's transaction only.
        db.session.execute(text("SET LOCAL work_mem = '32MB'"))
    each = (
        overdue_query(user, today, f, paths)
        .with_only_columns(
            Task.procedure.label("procedure"),
            Task.role.label("role"),
            Task.jurisdiction_id.label("jurisdiction_id"),
            Task.jurisdiction_path.label("path"),
            bucket_expr(today).label("bucket"),
            level_expr().label("level"),
            _place_expr(node, kids).label("place"),
            Task.id.label("id"),
            Task.due_on.label("due_on"),
        )
        .subquery()
    )
    # The overdue tasks once (materialized: it is read several times), then summed
    # five ways.
    names = ("procedure", "role", "jurisdiction_id", "bucket", "level", "place", "id", "due_on")
    overdue = select(*[each.c[k] for k in names], each.c.path, literal(1).label("n")).cte("overdue")
    o = overdue.c
    zero = literal(0)

    def at_level(level: str) -> Any:
        return func.sum(case((o.level == level, o.n), else_=0))

    def grouped(kind: str, text_key: Any, int_key: Any, *group: Any) -> Select[Any]:
        return select(
            literal(kind).label("kind"),
            text_key.label("text_key"),
            int_key.label("int_key"),
            func.sum(o.n).label("n"),
            zero.label("none"),
            zero.label("township"),
            zero.label("district"),
        ).group_by(*group)

    offices = (
        select(
            o.role,
            o.jurisdiction_id,
            func.sum(o.n).label("n"),
            at_level("none").label("none"),
            at_level("township").label("township"),
            at_level("district").label("district"),
        )
        .group_by(o.role, o.jurisdiction_id)
        .subquery()
    )
    top_offices = (
        select(
            literal("office").label("kind"),
            offices.c.role.label("text_key"),
            offices.c.jurisdiction_id.label("int_key"),
            offices.c.n,
            offices.c.none,
            offices.c.township,
            offices.c.district,
        )
        .join(Jurisdiction, Jurisdiction.id == offices.c.jurisdiction_id)
        .order_by(offices.c.n.desc(), Jurisdiction.path, offices.c.role)
        .limit(OFFICES_SHOWN)
        .subquery()
    )
    no_int = null().cast(Integer)
    parts = [
        grouped("procedure", o.procedure, no_int, o.procedure),
        grouped("place", o.place, no_int, o.place),
        grouped("bucket", o.bucket, no_int, o.bucket),
        grouped("level", o.level, no_int, o.level),
        select(top_offices),
    ]
    if page is not None:
        offset, limit = page
        order = {
            "-due": (o.due_on.desc(), o.id.desc()),
            "procedure": (o.procedure, o.due_on, o.id),
            "office": (o.path, o.role, o.due_on, o.id),
        }.get(f.sort, (o.due_on, o.id))
        ranked = select(o.id, func.row_number().over(order_by=order).label("rank")).subquery()
        parts.append(
            select(
                literal("row"),
                null().cast(String),
                ranked.c.id,
                ranked.c.rank,
                zero,
                zero,
                zero,
            ).where(ranked.c.rank > offset, ranked.c.rank <= offset + limit)
        )
    rows = db.session.execute(union_all(*parts)).all()
    by: dict[str, dict[Any, int]] = defaultdict(dict)
    child_of = _child_of(node, kids)
    office_rows = []
    listed = []
    for kind, text_key, int_key, n, n_none, n_township, n_district in rows:
        if kind == "row":
            listed.append((n, int_key))
        elif kind == "office":
            office_rows.append(
                {
                    "role": text_key,
                    "jurisdiction_id": int_key,
                    "total": n,
                    "none": n_none,
                    "township": n_township,
                    "district": n_district,
                }
            )
        elif kind == "place":
            child = child_of(text_key)
            by["child"][child] = by["child"].get(child, 0) + n
        else:
            by[kind][text_key] = n
    board = assemble(kids, by["procedure"], by["child"], by["bucket"], by["level"], office_rows)
    board.page_ids = [task_id for _rank, task_id in sorted(listed)]
    return board


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


def assemble(
    kids: list[Jurisdiction],
    by_procedure: dict[str, int],
    by_child: dict[int | None, int],
    by_bucket: dict[str, int],
    by_level: dict[str, int],
    office_rows: list[dict[str, Any]],
) -> Dashboard:
    """The dashboard from its counts (live, or the snapshots' pass over a province): the
    offices listed ({role, jurisdiction_id, total, none, township, district}) are loaded
    in one query and sorted by total, then path and role."""
    places = {
        j.id: j
        for j in db.session.scalars(
            select(Jurisdiction).where(
                Jurisdiction.id.in_({r["jurisdiction_id"] for r in office_rows})
            )
        )
    }
    offices = []
    for r in office_rows:
        row = {k: v for k, v in r.items() if k != "jurisdiction_id"}
        row["jurisdiction"] = places[r["jurisdiction_id"]]
        offices.append(row)
    by_jur: list[tuple[Jurisdiction | None, int]] = [(c, by_child.get(c.id, 0)) for c in kids]
    if by_child.get(None):
        by_jur.append((None, by_child[None]))
    return Dashboard(
        total=sum(by_procedure.values()),
        by_procedure=sorted(by_procedure.items(), key=lambda kv: (-kv[1], kv[0])),
        by_jurisdiction=by_jur,
        by_bucket=[(k, label, by_bucket.get(k, 0)) for k, label, _lo, _hi in BUCKETS],
        by_level=[(k, label, by_level.get(k, 0)) for k, label in LEVEL_LABELS.items()],
        by_office=sorted(offices, key=lambda r: (-r["total"], r["jurisdiction"].path, r["role"])),
    )


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
    """The printable 催办单 (township) or 督办单 (county) to one office: its open overdue
    tasks under the issuer's area that carry this level."""
    township = level is EscalationLevel.TOWNSHIP
    issuer_role = Role.TOWNSHIP_SUPERVISOR if township else Role.COUNTY_SUPERVISOR
    grants = [g for g in user.grants if g.role == issuer_role]
    if not grants:
        raise PermissionDenied(
            _("只有%(role)s可以出具催办单", role=_(issuer_role.label))
            if township
            else _("只有%(role)s可以出具督办单", role=_(issuer_role.label))
        )
    paths = [g.jurisdiction.path for g in grants]
    rows = db.session.execute(
        select(Task, Escalation)
        .join(Escalation, and_(Escalation.task_id == Task.id, Escalation.level == level.value))
        .join(Case, Case.id == Task.case_id)
        .where(
            Task.closed_at.is_(None),
            Task.role == role,
            Task.jurisdiction_id == jurisdiction.id,
            or_(_within(Task.jurisdiction_path, paths), _within(Case.jurisdiction_path, paths)),
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
    word = "催" if level is EscalationLevel.TOWNSHIP else "督"
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


# --- ledgers ---------------------------------------------------------------------------------
def work_ledger_query(user: User, *, procedure: str = "", status: str = "") -> Select[Any]:
    """工作台账: every case under the supervisor's jurisdictions."""
    q = select(Case).where(_within(Case.jurisdiction_path, supervisor_paths(user)))
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
        for t in db.session.scalars(
            select(Task).where(Task.case_id.in_(case_ids), Task.closed_at.is_(None))
        )
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
    q = select(Problem).where(_within(Problem.jurisdiction_path, supervisor_paths(user)))
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


def close_problem(problem: Problem, *, actor: User, resolution: str, now: datetime) -> Problem:
    """销号: only with a recorded resolution, by a supervisor of the problem's area."""
    if not can_manage_problem(actor, problem):
        raise PermissionDenied()
    if problem.is_closed:
        raise InvalidAction(_("该问题已销号"))
    resolution = (resolution or "").strip()
    if not resolution:
        raise InvalidAction(_("销号须填写整改结果（问题如何解决）"))
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


# --- monthly and quarterly summaries -----------------------------------------------------------
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


def _late(due_on: date | None, closed_at: datetime | None, end_day: date) -> bool:
    """A step is late when done after its due date, or still open after it."""
    if due_on is None:
        return False
    done_day = local_date(closed_at) if closed_at is not None else end_day
    return done_day > due_on


def summary(user: User, node: Jurisdiction, period: Period, today: date) -> Summary:
    """Per child jurisdiction of `node` and per office: cases opened/closed, the on-time
    rate (按时办结率: cases closed in the period with no late step), overdue steps (due
    in the period, done late or not yet), 催办 and 督办 issued, problems opened/closed."""
    start, end = period.instants()
    last_day = min(today, period.end - timedelta(days=1))
    kids = children(node)

    def child_label(path: str) -> str:
        for c in kids:
            if path.startswith(c.path):
                return c.name
        return _("%(name)s（本级）", name=node.name)

    rows: dict[str, SummaryRow] = {c.name: SummaryRow(c.name) for c in kids}
    offices: dict[str, SummaryRow] = {}
    total = SummaryRow(TOTAL)

    def bump(label: str, key: str, n: int = 1) -> None:
        rows.setdefault(label, SummaryRow(label)).values[key] += n
        total.values[key] += n

    def bump_office(task: Any, key: str) -> None:
        j = db.session.get(Jurisdiction, task.jurisdiction_id)
        label = office_name(j.name if j else "", Role(task.role))
        offices.setdefault(label, SummaryRow(label, office=True)).values[key] += 1

    scope = Case.jurisdiction_path.startswith(node.path, autoescape=True)
    cases = db.session.execute(
        select(Case.id, Case.jurisdiction_path, Case.opened_at, Case.closed_at).where(
            scope,
            or_(
                and_(Case.opened_at >= start, Case.opened_at < end),
                and_(Case.closed_at >= start, Case.closed_at < end),
            ),
        )
    ).all()
    closed_ids = [c.id for c in cases if c.closed_at is not None and start <= c.closed_at < end]
    late_cases: set[int] = set()
    if closed_ids:
        for t in db.session.execute(
            select(Task.case_id, Task.due_on, Task.closed_at).where(Task.case_id.in_(closed_ids))
        ):
            if _late(t.due_on, t.closed_at, last_day):
                late_cases.add(t.case_id)
    for c in cases:
        label = child_label(c.jurisdiction_path)
        if start <= c.opened_at < end:
            bump(label, "opened")
        if c.id in closed_ids:
            bump(label, "closed")
            if c.id not in late_cases:
                bump(label, "on_time")

    tasks = db.session.execute(
        select(
            Task.id,
            Task.role,
            Task.jurisdiction_id,
            Task.due_on,
            Task.closed_at,
            Case.jurisdiction_path,
        )
        .join(Case, Case.id == Task.case_id)
        .where(
            scope,
            or_(
                and_(Task.closed_at >= start, Task.closed_at < end),
                and_(Task.due_on >= period.start, Task.due_on < period.end),
            ),
        )
    ).all()
    for t in tasks:
        if t.closed_at is not None and start <= t.closed_at < end:
            bump_office(t, "closed")
            if not _late(t.due_on, t.closed_at, last_day):
                bump_office(t, "on_time")
        if t.due_on is not None and period.start <= t.due_on < period.end:
            if _late(t.due_on, t.closed_at, last_day):
                bump(child_label(t.jurisdiction_path), "overdue")
                bump_office(t, "overdue")

    for level, task_role, jid, path in db.session.execute(
        select(Escalation.level, Task.role, Task.jurisdiction_id, Case.jurisdiction_path)
        .join(Task, Task.id == Escalation.task_id)
        .join(Case, Case.id == Escalation.case_id)
        .where(scope, Escalation.at >= start, Escalation.at < end, Escalation.level != "reminder")
    ):
        bump(child_label(path), level)
        bump_office(_Office(task_role, jid), level)

    for p in db.session.scalars(
        select(Problem).where(
            Problem.jurisdiction_path.startswith(node.path, autoescape=True),
            or_(
                and_(Problem.opened_at >= start, Problem.opened_at < end),
                and_(Problem.closed_at >= start, Problem.closed_at < end),
            ),
        )
    ):
        label = child_label(p.jurisdiction_path)
        if start <= p.opened_at < end:
            bump(label, "problems_opened")
        if p.closed_at is not None and start <= p.closed_at < end:
            bump(label, "problems_closed")
        if p.task is not None:
            if start <= p.opened_at < end:
                bump_office(p.task, "problems_opened")
            if p.closed_at is not None and start <= p.closed_at < end:
                bump_office(p.task, "problems_closed")

    return Summary(
        period=period,
        by_jurisdiction=list(rows.values()),
        by_office=sorted(offices.values(), key=lambda r: r.label),
        total=total,
    )


@dataclass(frozen=True)
class _Office:
    role: str
    jurisdiction_id: int
