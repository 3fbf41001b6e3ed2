"""The timer sweep: reminders, 催办 and 督办 (docs/policy.md "Time limits, reminders and
escalation"; docs/deadlines.md).

`sweep(now)` selects, per level, the open tasks whose level has come due and that do not
have it yet (an indexed range on `task.due_on` plus the unique key of `escalation`), so
its cost grows with the work that is due, not with all tasks. Each level of each task is
inserted with INSERT … ON CONFLICT DO NOTHING on UNIQUE (task_id, level): a second
sweeper running at the same time, or a sweep repeated after a crash, inserts nothing and
therefore writes no event and no message. After downtime the next sweep catches up on
everything that came due meanwhile.

Levels, with the defaults of docs/policy.md (configurable):
- reminder: from `reminder_days` working days before the due date up to the due date,
  to the task's claimant, else every holder of the task's role and jurisdiction;
- township (催办): once the due date has passed, to the township supervisors;
- district (督办): from `district_days` working days after the due date, to the
  county/district supervisors.
The task's office receives 催办 and 督办 too. A 催办 opens a problem in the problem
ledger; so does every event of kind "violation" flagged by a procedure.

The service writes in the caller's transaction and does not commit; it returns the ids
of the notifications to e-mail once the caller committed.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import (
    ARRAY,
    Integer,
    Table,
    any_,
    bindparam,
    delete,
    exists,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from transfers.auth.models import User
from transfers.cases.models import Case, Event
from transfers.deadlines.models import Escalation, EscalationLevel
from transfers.deadlines.services import work_calendar
from transfers.engine.errors import StaleVersion
from transfers.engine.service import event_row
from transfers.extensions import db
from transfers.inbox.models import Notification
from transfers.inbox.services import holders, holders_of, notify
from transfers.supervision.models import Problem
from transfers.tasks.models import Task
from workflows.calendar import WorkCalendar, local_date
from workflows.idcard import mask_name
from workflows.roles import Level, Role, ancestor_path

# pg_try_advisory_xact_lock key: "sweep" in ASCII.
SWEEP_LOCK_KEY = 0x7377656570
# Due tasks written per batch: one multi-row insert per table and one flush per batch.
BATCH = 500
# Rounds of retries for cases a concurrent engine step moved while the sweep read them.
STALE_ROUNDS = 5

VIOLATION_LABELS = {"assistance_gap": "救助待遇断档（不断档要求未落实）"}


@dataclass(frozen=True)
class EscalationPolicy:
    reminder_days: int = 2
    district_days: int = 5

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EscalationPolicy:
        def get(key: str, default: int) -> int:
            return int(config.get(key) or os.environ.get(key) or default)

        return cls(
            reminder_days=get("REMINDER_WORKING_DAYS", 2),
            district_days=get("DISTRICT_ESCALATION_WORKING_DAYS", 5),
        )


@dataclass
class SweepResult:
    skipped: bool = False
    escalations: Counter[str] = field(default_factory=Counter)
    problems: int = 0
    notification_ids: list[int] = field(default_factory=list)
    # Recipients by (role, jurisdiction path), looked up once per sweep.
    _holders: dict[tuple[str, str], list[User]] = field(default_factory=dict, repr=False)

    # Messages added in the current batch, numbered at its flush.
    pending: list[Notification] = field(default_factory=list, repr=False)
    # Event rows appended in the current batch, written at its flush in one statement.
    events: list[dict[str, Any]] = field(default_factory=list, repr=False)
    # Messages and counts of the current batch, (case id, action) in the order made: run
    # for the cases whose chain head was written.
    later: list[tuple[int, Callable[[], None]]] = field(default_factory=list, repr=False)

    def notify(self, users: list[User], **kw: Any) -> None:
        self.pending += notify(users, flush=False, **kw)

    def count_problem(self) -> None:
        self.problems += 1

    def prefetch_holders(self, keys: set[tuple[str, str]]) -> None:
        """Look up the holders of many (role, path) offices in one query."""
        keys -= self._holders.keys()
        if keys:
            self._holders.update(holders_of(keys))

    def holders(self, role: str, path: str) -> list[User]:
        key = (role, path)
        if key not in self._holders:
            self._holders[key] = holders(role, path)
        return self._holders[key]

    @property
    def total(self) -> int:
        return sum(self.escalations.values()) + self.problems

    def summary(self) -> str:
        if self.skipped:
            return "另一个催办进程正在运行，本次跳过"
        parts = [f"{lvl.label}{self.escalations.get(lvl.value, 0)}件" for lvl in EscalationLevel]
        return "；".join(
            parts + [f"新增问题{self.problems}个", f"站内消息{len(self.notification_ids)}条"]
        )


@dataclass
class _Head:
    """A case's event-chain head as the batch read it. `_append_event` moves
    `last_event_hash`; the batch then writes every moved head in one statement,
    UPDATE … SET version = version + 1, last_event_hash = … WHERE id = … AND version =
    <as read>, instead of one versioned ORM update per case. What the batch wrote for a
    case that did not match (a concurrent engine step moved it since the read) is undone
    and tried again from a fresh read; the messages and counts of a case wait for its
    head to be written."""

    id: int
    version: int
    last_event_hash: str
    moved: bool = False
    escalation_ids: list[int] = field(default_factory=list)
    problem_ids: list[int] = field(default_factory=list)


_case_t = Case.__table__  # type: ignore[attr-defined]
_escalation_t = Escalation.__table__  # type: ignore[attr-defined]
_problem_t = Problem.__table__  # type: ignore[attr-defined]
# SQLite runs in process: one statement per case costs microseconds, and its rowcount
# says which case matched.
_HEAD_ONE = (
    update(_case_t)
    .where(_case_t.c.id == bindparam("w_id"), _case_t.c.version == bindparam("w_version"))
    .values(version=bindparam("w_version") + 1, last_event_hash=bindparam("w_hash"))
)
# On PostgreSQL a batch's rows travel as a few arrays (unnest) or as one JSON document
# (`_pg_insert`): a statement with thousands of bind parameters costs more to compile and to
# convert in the driver (psycopg does not cache long queries) than to run.
_PG_HEADS = text(
    "UPDATE transfer_case AS c SET version = c.version + 1, last_event_hash = v.head"
    " FROM unnest(CAST(:ids AS INTEGER[]), CAST(:versions AS INTEGER[]),"
    " CAST(:heads AS VARCHAR[])) AS v(id, version, head)"
    " WHERE c.id = v.id AND c.version = v.version RETURNING c.id"
)


def _json_value(value: Any) -> str:
    """Instants and dates for `_pg_insert`, as the columns store them (UTCDateTime: aware,
    in UTC)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware instants")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _pg_insert(table: Table, rows: list[dict[str, Any]], suffix: str = "") -> Any:
    """INSERT INTO table (cols) SELECT cols FROM json_populate_recordset(NULL::table, rows)
    [suffix]: the rows go as one JSON document (one json.dumps in C), which the server
    reads by the table's own column types; cheaper in the client than one array per
    column (psycopg dumps arrays element by element)."""
    names = ", ".join(table.c[key].name for key in rows[0])
    doc = json.dumps(
        [{table.c[k].name: v for k, v in r.items()} for r in rows],
        ensure_ascii=False,
        separators=(",", ":"),
        default=_json_value,
    )
    sql = (
        f"INSERT INTO {table.name} ({names}) SELECT {names}"
        f" FROM json_populate_recordset(NULL::{table.name}, CAST(:rows AS JSON)) {suffix}"
    )
    return db.session.connection().execute(text(sql), {"rows": doc})


def _in(col: Any, ids: list[int]) -> Any:
    """col IN ids; on PostgreSQL col = ANY(array): one parameter, not one per id."""
    if _dialect() == "postgresql":
        return col == any_(literal(list(ids), ARRAY(Integer)))
    return col.in_(ids)


def _write_heads(heads: dict[int, _Head], cases: dict[int, Case], result: SweepResult) -> set[int]:
    """Write the moved chain heads, version-checked, and the batch's events; undo what the
    batch wrote for cases that did not match and return them (to retry); run the
    deferred messages and counts of the others."""
    moved_heads = [h for h in heads.values() if h.moved]
    if not moved_heads:
        return set()
    conn = db.session.connection()
    if _dialect() == "postgresql":
        done = set(
            conn.execute(
                _PG_HEADS,
                {
                    "ids": [h.id for h in moved_heads],
                    "versions": [h.version for h in moved_heads],
                    "heads": [h.last_event_hash for h in moved_heads],
                },
            ).scalars()
        )
    else:
        done = {
            h.id
            for h in moved_heads
            if conn.execute(
                _HEAD_ONE, {"w_id": h.id, "w_version": h.version, "w_hash": h.last_event_hash}
            ).rowcount
            == 1
        }
    stale = [h for h in moved_heads if h.id not in done]
    if stale:
        gone = {h.id for h in stale}
        result.events = [e for e in result.events if e["case_id"] not in gone]
        for ids, table in (
            ([i for h in stale for i in h.problem_ids], _problem_t),
            ([i for h in stale for i in h.escalation_ids], _escalation_t),
        ):
            if ids:
                conn.execute(delete(table).where(_in(table.c.id, ids)))
    for case_id, action in result.later:
        if case_id in done:
            action()
    result.later = []
    for h in moved_heads:
        # The loaded case's version and chain head changed underneath the ORM.
        if h.id in done and h.id in cases:
            db.session.expire(cases[h.id], ["version", "last_event_hash"])
    _write_events(result)
    return {h.id for h in stale}


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _other_sweeper_running() -> bool:
    """On PostgreSQL a transaction-level advisory lock keeps a second sweeper idle."""
    if _dialect() != "postgresql":
        return False
    got = db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SWEEP_LOCK_KEY})
    return not got


def _insert_ignore(model: type, rows: list[dict[str, Any]], keys: list[str]) -> dict[Any, int]:
    """INSERT … ON CONFLICT (keys) DO NOTHING RETURNING, many rows at once: {key: new id}
    for the rows inserted (the key is row[keys[0]], or the tuple of the keys' values);
    rows that existed (another sweeper, an earlier run) are absent."""
    if not rows:
        return {}
    table = model.__table__  # type: ignore[attr-defined]
    if _dialect() == "postgresql":
        suffix = f"ON CONFLICT ({', '.join(keys)}) DO NOTHING RETURNING {', '.join(keys)}, id"
        found = _pg_insert(table, rows, suffix).all()
    else:
        stmt = (
            sqlite_insert(table)
            .on_conflict_do_nothing(index_elements=keys)
            .returning(*[table.c[k] for k in keys], table.c.id)
        )
        # One statement, many rows: SQLAlchemy sends them as multi-row VALUES batches.
        found = db.session.connection().execute(stmt, rows).all()
    if len(keys) == 1:
        return {r[0]: r[-1] for r in found}
    return {tuple(r[:-1]): r[-1] for r in found}


def _missing(level: EscalationLevel):  # type: ignore[no-untyped-def]
    return ~exists().where(Escalation.task_id == Task.id, Escalation.level == level.value)


def due_task_ids(
    level: EscalationLevel,
    now: datetime,
    cal: WorkCalendar,
    policy: EscalationPolicy,
    among: list[int] | None = None,
) -> list[int]:
    """Open, running tasks whose `level` has come due and is not recorded yet (ids only:
    the sweep loads them batch by batch, so its memory does not grow with them); with
    `among`, only those of these tasks."""
    today = local_date(now)
    q = select(Task.id, Task.due_on).where(
        Task.closed_at.is_(None),
        Task.suspended_at.is_(None),
        Task.due_on.is_not(None),
        _missing(level),
    )
    if among is not None:
        q = q.where(_in(Task.id, among))
    if level is EscalationLevel.REMINDER:
        # Working days left (today, due] <= reminder_days, and not yet overdue.
        q = q.where(
            Task.due_on >= today,
            Task.due_on < cal.add_working_days(today, policy.reminder_days + 1),
        )
    elif level is EscalationLevel.TOWNSHIP:
        q = q.where(Task.due_on < today)
    else:
        # N working days are at least N calendar days: a range first, then the calendar.
        q = q.where(Task.due_on <= today - timedelta(days=policy.district_days))
    rows = db.session.execute(q.order_by(Task.id)).all()
    if level is EscalationLevel.DISTRICT:
        rows = [r for r in rows if cal.add_working_days(r.due_on, policy.district_days) <= today]
    return [r.id for r in rows]


def _due_levels(
    now: datetime, cal: WorkCalendar, policy: EscalationPolicy, among: list[int] | None = None
) -> dict[int, list[EscalationLevel]]:
    """{task id: its levels due and not recorded yet, in escalation order}."""
    levels: dict[int, list[EscalationLevel]] = {}
    for level in EscalationLevel:
        for task_id in due_task_ids(level, now, cal, policy, among):
            levels.setdefault(task_id, []).append(level)
    return levels


def _tasks(ids: list[int]) -> list[Task]:
    return list(
        db.session.scalars(
            select(Task)
            .where(_in(Task.id, ids))
            .options(joinedload(Task.jurisdiction), joinedload(Task.claimed_by))
            .order_by(Task.id)
        )
    )


def due_tasks(
    level: EscalationLevel, now: datetime, cal: WorkCalendar, policy: EscalationPolicy
) -> list[Task]:
    """Open, running tasks whose `level` has come due and is not recorded yet."""
    return _tasks(due_task_ids(level, now, cal, policy))


def escalation_target(level: EscalationLevel, task: Task, case: Case) -> tuple[Role, str]:
    """Who receives a level: (role, jurisdiction path)."""
    if level is EscalationLevel.REMINDER:
        return Role(task.role), task.jurisdiction_path
    if level is EscalationLevel.TOWNSHIP:
        # The township of the office's area; for a county office, the case's township.
        deep_enough = task.jurisdiction.level in (Level.TOWNSHIP, Level.VILLAGE)
        base = task.jurisdiction_path if deep_enough else case.jurisdiction_path
        return Role.TOWNSHIP_SUPERVISOR, ancestor_path(base, Level.TOWNSHIP)
    return Role.COUNTY_SUPERVISOR, ancestor_path(task.jurisdiction_path, Level.COUNTY)


def _describe(task: Task, case: Case) -> str:
    procedure = case.workflow
    return (
        f"{procedure.label}·{procedure.state(task.state).label}"
        f"（{mask_name(case.subject_name)}，事项编号{case.id}）"
    )


def _cases(ids: list[int]) -> dict[int, Case]:
    """The tasks' cases, fresh from the database (their version guards the event chain),
    with the person the messages name, in one query for the whole batch."""
    rows = db.session.scalars(
        select(Case)
        .where(_in(Case.id, sorted(set(ids))))
        .options(joinedload(Case.person))
        .execution_options(populate_existing=True)
    )
    return {c.id: c for c in rows}


def _heads(cases: dict[int, Case]) -> dict[int, _Head]:
    return {c.id: _Head(c.id, c.version, c.last_event_hash or "") for c in cases.values()}


def _escalate(
    tasks: list[Task],
    levels: Mapping[int, list[EscalationLevel]],
    now: datetime,
    cal: WorkCalendar,
    result: SweepResult,
) -> list[int]:
    """Record the due `levels` of each task of a batch (a task overdue long enough gets its
    催办 and its 督办 together, so its case is read and written once): escalations,
    events, messages, problems. Returns the tasks to try again: a concurrent step moved
    their case since the read (nothing of them is left written)."""
    cases = _cases([t.case_id for t in tasks])
    heads = _heads(cases)
    due = [(t, level) for t in tasks for level in levels[t.id]]
    targets = {(t.id, level): escalation_target(level, t, cases[t.case_id]) for t, level in due}
    offices = {(t.role, t.jurisdiction_path) for t in tasks}
    offices |= {
        (role.value, path)
        for (_t, level), (role, path) in targets.items()
        if level is not EscalationLevel.REMINDER
    }
    offices |= {
        (
            Role.TOWNSHIP_SUPERVISOR.value,
            ancestor_path(cases[t.case_id].jurisdiction_path, Level.TOWNSHIP),
        )
        for t, level in due
        if level is EscalationLevel.TOWNSHIP
    }
    result.prefetch_holders(offices)
    new = _insert_ignore(
        Escalation,
        [
            {
                "task_id": t.id,
                "case_id": t.case_id,
                "level": level.value,
                "at": now,
                "due_on": t.due_on,
                "to_role": targets[(t.id, level)][0].value,
                "to_path": targets[(t.id, level)][1],
            }
            for t, level in due
        ],
        ["task_id", "level"],
    )
    today = local_date(now)
    # A 催办 opens a problem; the problems go in before the events, which name them.
    overdue: dict[int, tuple[Case, str, dict[str, Any]]] = {}
    for task, level in due:
        escalation_id = new.get((task.id, level.value))
        if escalation_id is None or level is not EscalationLevel.TOWNSHIP:
            continue
        assert task.due_on is not None
        overdue[escalation_id] = (
            cases[task.case_id],
            f"{_describe(task, cases[task.case_id])}超过办理时限（{task.due_on:%Y-%m-%d}）"
            "未办结，已催办",
            {
                "task_id": task.id,
                "kind": "overdue",
                "escalation_id": escalation_id,
                "office": f"{task.jurisdiction.name}{task.role_label}",
                "rectify_by": cal.add_working_days(today, 5),
            },
        )
    problem_ids = _insert_problems(list(overdue.values()), "escalation_id", now)
    for task, level in due:
        escalation_id = new.get((task.id, level.value))
        if escalation_id is None:
            continue  # another sweeper (or an earlier run) recorded it: nothing more to do
        case = cases[task.case_id]
        assert task.due_on is not None
        to_role, to_path = targets[(task.id, level)]
        head = heads[case.id]
        head.escalation_ids.append(escalation_id)
        result.later.append((case.id, partial(result.escalations.update, [level.value])))
        office = f"{task.jurisdiction.name}{task.role_label}"
        what = _describe(task, case)
        if level is EscalationLevel.REMINDER:
            left = cal.working_days_between(today, task.due_on)
            title = f"【到期提醒】{what}还剩{left}个工作日到期"
            body = f"{office}：{what}办理时限为{task.due_on:%Y-%m-%d}，请抓紧办理。"
            recipients = (
                [task.claimed_by]
                if task.claimed_by is not None
                else result.holders(task.role, to_path)
            )
        else:
            late = (today - task.due_on).days
            title = f"【{level.label}】{what}已超期{late}天"
            body = (
                f"{office}办理的{what}办理时限为{task.due_on:%Y-%m-%d}，已超期{late}天，"
                f"现予{level.label}，请立即办理并反馈。"
            )
            recipients = result.holders(to_role.value, to_path) + result.holders(
                task.role, task.jurisdiction_path
            )
        _append_event(
            result,
            head,
            at=now,
            kind=level.value,
            reason=body,
            data={
                "task_id": task.id,
                "escalation_id": escalation_id,
                "due_on": task.due_on.isoformat(),
                "to_role": to_role.value,
                "to_path": to_path,
            },
        )
        result.later.append(
            (
                case.id,
                partial(
                    result.notify,
                    recipients,
                    kind=level.value,
                    title=title,
                    body=body,
                    now=now,
                    case_id=case.id,
                ),
            )
        )
        problem_id = problem_ids.get(escalation_id)
        if problem_id is not None:
            _problem_opened(result, head, case, overdue[escalation_id][1], problem_id, now)
    stale = _write_heads(heads, cases, result)
    _flush(result)
    # The escalations whose case moved were undone: those tasks go again.
    return sorted({t.id for t, level in due if (t.id, level.value) in new and t.case_id in stale})


def _insert_problems(
    problems: list[tuple[Case, str, dict[str, Any]]], key: str, now: datetime
) -> dict[Any, int]:
    """Insert one ledger problem per (case, description, values), unique on `key`:
    {values[key]: new problem id} for those not recorded before."""
    if not problems:
        return {}
    return _insert_ignore(
        Problem,
        [
            {
                "case_id": case.id,
                "task_id": None,
                "jurisdiction_path": case.jurisdiction_path,
                "description": description[:1000],
                "opened_at": now,
                "measures": "",
                "office": "",
                **values,
            }
            for case, description, values in problems
        ],
        [key],
    )


def _problem_opened(
    result: SweepResult, head: _Head, case: Case, description: str, problem_id: int, now: datetime
) -> None:
    """The event of a new problem, its message to the township supervisors and its count;
    they go with the case's head (`_write_heads`)."""
    head.problem_ids.append(problem_id)
    result.later.append((case.id, result.count_problem))
    _append_event(
        result,
        head,
        at=now,
        kind="problem_opened",
        reason=description,
        data={"problem_id": problem_id},
    )
    township = ancestor_path(case.jurisdiction_path, Level.TOWNSHIP)
    result.later.append(
        (
            case.id,
            partial(
                result.notify,
                result.holders(Role.TOWNSHIP_SUPERVISOR.value, township),
                kind="problem",
                title=f"【问题台账】新增问题：{description[:60]}",
                body=description,
                now=now,
                case_id=case.id,
            ),
        )
    )


def _append_event(
    result: SweepResult, head: _Head, *, at: datetime, kind: str, reason: str, data: dict[str, Any]
) -> None:
    """The next event of a case's chain, as a plain row (the sweep's events are never read
    back as objects), on the batch's chain head of the case."""
    row = event_row(
        head.id, head.last_event_hash, at=at, actor=None, kind=kind, reason=reason, data=data
    )
    result.events.append(row)
    head.last_event_hash = row["hash"]
    head.moved = True


_event_t = Event.__table__  # type: ignore[attr-defined]


def _write_events(result: SweepResult) -> None:
    """The batch's events in one statement (their ids are not needed)."""
    if not result.events:
        return
    rows, result.events = result.events, []
    if _dialect() == "postgresql":
        _pg_insert(_event_t, rows)
    else:
        db.session.connection().execute(insert(_event_t), rows)


def _flush(result: SweepResult) -> None:
    """One flush per batch: the events (the cases' new chain heads are written and
    version-checked before), and the messages."""
    _write_events(result)
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        raise StaleVersion() from None
    result.notification_ids += [n.id for n in result.pending]
    result.pending = []


def _violations(now: datetime, result: SweepResult) -> None:
    """Every flagged violation (event kind "violation") opens one problem."""
    for _round in range(STALE_ROUNDS + 1):
        events = db.session.scalars(
            select(Event)
            .where(Event.kind == "violation", ~exists().where(Problem.event_id == Event.id))
            .order_by(Event.id)
        ).all()
        if not _violation_batches(events, now, result):
            return
    db.session.rollback()
    raise StaleVersion()


def _violation_batches(events: list[Event], now: datetime, result: SweepResult) -> bool:
    """Open the problems of `events`; True if some must be tried again (case moved)."""
    again = False
    for start in range(0, len(events), BATCH):
        batch = events[start : start + BATCH]
        cases = _cases([e.case_id for e in batch])
        heads = _heads(cases)
        problems: list[tuple[Case, str, dict[str, Any]]] = []
        for event in batch:
            case = cases[event.case_id]
            data = event.data or {}
            label = VIOLATION_LABELS.get(
                str(data.get("kind", "")), str(data.get("kind") or "违规情形")
            )
            who = f"{mask_name(case.subject_name)}，事项编号{case.id}"
            description = f"{case.workflow.label}（{who}）：{label}"
            if event.reason:
                description += f"。{event.reason}"
            problems.append((case, description, {"kind": "violation", "event_id": event.id}))
        new = _insert_problems(problems, "event_id", now)
        for case, description, values in problems:
            problem_id = new.get(values["event_id"])
            if problem_id is not None:
                _problem_opened(result, heads[case.id], case, description, problem_id, now)
        again |= bool(_write_heads(heads, cases, result))
        _flush(result)
    return again


def sweep(
    now: datetime, policy: EscalationPolicy | None = None, *, advisory_lock: bool = True
) -> SweepResult:
    """Record every level that came due by `now`, exactly once; open ledger problems."""
    policy = policy or EscalationPolicy()
    result = SweepResult()
    if advisory_lock and _other_sweeper_running():
        result.skipped = True
        return result
    if _dialect() == "postgresql":
        # Every query here is an index range over open tasks. PostgreSQL estimates "open
        # and due before today" from all tasks' due dates, closed ones included (mostly
        # past), expects a quarter of the table and scans all of it: the cost would grow
        # with the tasks stored, not with the tasks due. For this transaction only.
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
    cal = work_calendar()
    levels = _due_levels(now, cal, policy)
    for round_ in range(STALE_ROUNDS + 1):
        retry: list[int] = []
        ids = sorted(levels)
        for start in range(0, len(ids), BATCH):
            # Objects of a batch wait for its one flush, not for every lookup.
            with db.session.no_autoflush:
                retry += _escalate(_tasks(ids[start : start + BATCH]), levels, now, cal, result)
        if not retry:
            break
        if round_ == STALE_ROUNDS:
            db.session.rollback()
            raise StaleVersion()
        # A concurrent step moved their cases: what is still due goes again, freshly read.
        levels = _due_levels(now, cal, policy, among=retry)
    with db.session.no_autoflush:
        _violations(now, result)
    return result


__all__ = ["EscalationPolicy", "SweepResult", "sweep", "due_task_ids", "due_tasks"]
