"""The one service that moves any case (docs/architecture.md, The engine).

act(): load the case with its version and its open task; check permission (role ×
jurisdiction × state × version); ask the procedure's pure rules; then, in the caller's
transaction, update the case, close the task, open the next one with its due date and
append the event. The caller (a request, a CLI command, a job) commits once.
Nothing here knows a particular procedure.

The engine reads and writes with SQLAlchemy Core on the models' own tables: one select
for the case, its open task, household, person and jurisdictions; a versioned
`UPDATE … WHERE id = ? AND version = ?` (no row matched: StaleVersion, 409); the task
swap and the events. A step costs about as many statements as hand-written SQL, and ORM
objects the caller holds for the rows it touched are expired, so they reload on access.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ParamSpec, Protocol

from sqlalchemy import (
    Connection,
    FromClause,
    Join,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from transfers.auth.models import User
from transfers.cases.models import Case, Event, Intake
from transfers.deadlines.services import due_date
from transfers.engine.audit import chain_hash, event_payload
from transfers.engine.errors import (
    DuplicateCase,
    InvalidAction,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
from transfers.engine.prepared import Prepared, Runner
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.jurisdictions.models import Jurisdiction, Site
from transfers.tasks.models import Task
from transfers.tasks.permissions import can_act, can_claim, can_release
from workflows.base import Context, Decision, Procedure, RelatedCase, WorkflowError
from workflows.calendar import local_date
from workflows.i18n import gettext as _
from workflows.registry import dependents_of, get_procedure
from workflows.roles import Role, ancestor_path
from workflows.scope import relocation_scope

case_t: Table = Case.__table__  # type: ignore[assignment]
task_t: Table = Task.__table__  # type: ignore[assignment]
event_t: Table = Event.__table__  # type: ignore[assignment]
household_t: Table = Household.__table__  # type: ignore[assignment]
person_t: Table = Person.__table__  # type: ignore[assignment]
site_t: Table = Site.__table__  # type: ignore[assignment]
jurisdiction_t: Table = Jurisdiction.__table__  # type: ignore[assignment]

P = ParamSpec("P")


def _conn() -> Connection:
    """The session's connection, in the caller's transaction (pending ORM changes first)."""
    db.session.flush()
    return db.session.connection()


# --- reading ---------------------------------------------------------------------------
def open_task(case: Case) -> Task | None:
    return db.session.scalar(select(Task).where(Task.case_id == case.id, Task.closed_at.is_(None)))


_destination = jurisdiction_t.alias("destination")
_township = jurisdiction_t.alias("township")
_origin = jurisdiction_t.alias("origin")

# What household_facts() reads: the household, its site and both ends of the move.
_HOUSEHOLD_COLUMNS = (
    household_t.c.settlement_mode,
    household_t.c.address.label("household_address"),
    household_t.c.has_destination_housing,
    household_t.c.lives_at_destination,
    household_t.c.has_destination_homestead,
    household_t.c.has_destination_contracted_land,
    household_t.c.moved_on,
    household_t.c.facts.label("household_facts"),
    household_t.c.site_id,
    site_t.c.kind.label("site_kind"),
    site_t.c.address.label("site_address"),
    site_t.c.name.label("site_name"),
    _destination.c.name.label("destination_name"),
    _destination.c.code.label("destination_code"),
    _destination.c.path.label("destination_path"),
    _township.c.name.label("destination_township_name"),
    _origin.c.name.label("origin_name"),
    _origin.c.code.label("origin_code"),
    _origin.c.path.label("origin_path"),
)


def _join_household_places(base: FromClause) -> Join:
    """`base` (which holds the household) joined to its site and both ends of the move."""
    return (
        base.join(_destination, _destination.c.id == household_t.c.destination_jurisdiction_id)
        .outerjoin(_township, _township.c.id == _destination.c.parent_id)
        .join(_origin, _origin.c.id == household_t.c.origin_jurisdiction_id)
        .outerjoin(site_t, site_t.c.id == household_t.c.site_id)
    )


# What person_facts() reads, under the person's own column names.
_PERSON_COLUMNS = (
    person_t.c.relation,
    person_t.c.party_status,
    person_t.c.collective_member,
    person_t.c.pension_status,
    person_t.c.medical_insurance,
    person_t.c.assistance,
    person_t.c.registered_poor,
    person_t.c.birth_date,
    person_t.c.facts,
)


def _household_facts(row: Row[Any]) -> dict[str, Any]:
    has_site = row.site_id is not None
    return {
        "settlement_mode": row.settlement_mode,
        "site_kind": row.site_kind if has_site else None,
        "site_address": row.site_address if has_site else row.household_address,
        "site_name": row.site_name if has_site else "",
        "has_destination_housing": row.has_destination_housing,
        "lives_at_destination": row.lives_at_destination,
        "has_destination_homestead": row.has_destination_homestead,
        "has_destination_contracted_land": row.has_destination_contracted_land,
        "destination_name": row.destination_name,
        "destination_township_name": row.destination_township_name or "",
        "origin_name": row.origin_name,
        "origin_code": row.origin_code,
        "destination_code": row.destination_code,
        "moved_on": row.moved_on.isoformat() if row.moved_on else None,
        "scope": relocation_scope(row.origin_path, row.destination_path).value,
        **(row.household_facts or {}),
    }


def household_facts(household: Household) -> dict[str, Any]:
    """The facts of a household the rules read (site, both ends of the move…)."""
    row = (
        _conn()
        .execute(
            select(*_HOUSEHOLD_COLUMNS)
            .select_from(_join_household_places(household_t))
            .where(household_t.c.id == household.id)
        )
        .one()
    )
    return _household_facts(row)


class PersonColumns(Protocol):
    """A person as person_facts() reads it: the ORM object or a row of _PERSON_COLUMNS."""

    relation: str
    party_status: str
    collective_member: bool
    pension_status: str
    medical_insurance: str
    assistance: str
    registered_poor: bool
    birth_date: date
    facts: dict[str, Any]


def person_facts(person: PersonColumns | None) -> dict[str, Any]:
    if person is None:
        return {}
    return {
        "relation": person.relation,
        "party_status": person.party_status,
        "collective_member": person.collective_member,
        "pension_status": person.pension_status,
        "medical_insurance": person.medical_insurance,
        "assistance": person.assistance,
        "registered_poor": person.registered_poor,
        "birth_date": person.birth_date.isoformat(),
        **(person.facts or {}),
    }


@dataclass(slots=True)
class OpenTask:
    """The open task of a case, as the engine and `can_act` read it."""

    id: int
    state: str
    role: str
    jurisdiction_id: int
    claimed_by_id: int | None
    closed_at: datetime | None = None


@dataclass(slots=True)
class CaseRow:
    """A case as the engine reads and writes it: its row, its open task and the facts
    its rules read. Changes wait in `changes`, `events`, `closing` and `opening` until
    `_flush` writes them."""

    id: int
    procedure: str
    state: str
    version: int
    outcome: str | None
    closed_at: datetime | None
    data: dict[str, Any]
    last_event_hash: str
    household_id: int
    person_id: int | None
    person_data: dict[str, Any]  # the person's own `facts` column
    origin_path: str
    destination_path: str
    household_facts: dict[str, Any]
    person_facts: dict[str, Any]
    task: OpenTask | None
    other_open_cases: int
    conn: Connection  # the transaction it was read in, which its writes join
    in_session: bool  # read through the ORM session (act), not on a connection of its own (step)
    run: Runner  # `conn` readied for the engine's statements (once per read)
    changes: dict[str, Any] = field(default_factory=dict)
    person_changed: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)
    closing: dict[str, Any] | None = None
    opening: dict[str, Any] | None = None

    @property
    def workflow(self) -> Procedure:
        return get_procedure(self.procedure)

    def set(self, **values: Any) -> None:
        for key, value in values.items():
            setattr(self, key, value)
        self.changes.update(values)


_other = case_t.alias("other")
_CASE_SELECT: Select[Any] = select(
    *(
        case_t.c[name]
        for name in (
            "id",
            "procedure",
            "state",
            "version",
            "outcome",
            "closed_at",
            "data",
            "last_event_hash",
            "household_id",
            "person_id",
        )
    ),
    task_t.c.id.label("task_id"),
    task_t.c.state.label("task_state"),
    task_t.c.role.label("task_role"),
    task_t.c.jurisdiction_id.label("task_jurisdiction_id"),
    task_t.c.claimed_by_id.label("task_claimed_by_id"),
    *_HOUSEHOLD_COLUMNS,
    *_PERSON_COLUMNS,
    # Whether any dependent case may need re-evaluating after this one moves.
    select(func.count())
    .where(
        _other.c.person_id == case_t.c.person_id,
        _other.c.closed_at.is_(None),
        _other.c.id != case_t.c.id,
    )
    .scalar_subquery()
    .label("other_open_cases"),
).select_from(
    _join_household_places(case_t.join(household_t, household_t.c.id == case_t.c.household_id))
    .outerjoin(person_t, person_t.c.id == case_t.c.person_id)
    .outerjoin(task_t, and_(task_t.c.case_id == case_t.c.id, task_t.c.closed_at.is_(None)))
)


_READ_CASE = Prepared(_CASE_SELECT.where(case_t.c.id == bindparam("case_id")), "CaseRecord")


def _read_case(case_id: int, conn: Connection | None = None) -> CaseRow:
    """The case with everything the rules read, in one query (fresh from the database),
    on `conn` (default: the ORM session's connection); NotFound if there is none."""
    in_session = conn is None
    if conn is None:
        conn = _conn()
    run = Runner(conn)
    row = _READ_CASE.execute(run, {"case_id": case_id}).first()
    if row is None:
        raise NotFound(_("找不到该事项"))
    task = (
        OpenTask(
            row.task_id,
            row.task_state,
            row.task_role,
            row.task_jurisdiction_id,
            row.task_claimed_by_id,
        )
        if row.task_id is not None
        else None
    )
    has_person = row.person_id is not None
    return CaseRow(
        id=row.id,
        procedure=row.procedure,
        state=row.state,
        version=row.version,
        outcome=row.outcome,
        closed_at=row.closed_at,
        data=dict(row.data or {}),
        last_event_hash=row.last_event_hash or "",
        household_id=row.household_id,
        person_id=row.person_id,
        person_data=dict(row.facts or {}) if has_person else {},
        origin_path=row.origin_path,
        destination_path=row.destination_path,
        household_facts=_household_facts(row),
        person_facts=person_facts(row) if has_person else {},
        task=task,
        other_open_cases=row.other_open_cases,
        conn=conn,
        in_session=in_session,
        run=run,
    )


class LazyRelated(Mapping[str, RelatedCase]):
    """The person's other cases, queried only if a rule looks at them."""

    def __init__(self, case: CaseRow):
        self._case = case
        self._data: dict[str, RelatedCase] | None = None

    def _load(self) -> dict[str, RelatedCase]:
        if self._data is None:
            self._data = related_cases(self._case)
        return self._data

    def __getitem__(self, key: str) -> RelatedCase:
        return self._load()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def related_cases(case: CaseRow | Case) -> dict[str, RelatedCase]:
    """The latest case of each other procedure for the same person (or household)."""
    c = case_t.c
    q = select(c.procedure, c.state, c.outcome, c.data).where(c.id != case.id)
    if case.person_id is not None:
        q = q.where(c.person_id == case.person_id)
    else:
        q = q.where(c.household_id == case.household_id, c.person_id.is_(None))
    related: dict[str, RelatedCase] = {}
    conn = case.conn if isinstance(case, CaseRow) else _conn()
    for procedure, state, outcome, data in conn.execute(q.order_by(c.id)):
        related[procedure] = RelatedCase(procedure, state, outcome, dict(data or {}))
    return related


def _context(case: CaseRow, now: datetime) -> Context:
    return Context(
        facts={**case.household_facts, **case.person_facts, **case.person_data},
        case_data=dict(case.data),
        related=LazyRelated(case),
        today=local_date(now),
    )


def build_context(case: Case, now: datetime) -> Context:
    """What the rules of `case` may look at (the same the engine gives them)."""
    return _context(_read_case(case.id), now)


# --- writing ---------------------------------------------------------------------------
def event_row(
    case_id: int,
    prev_hash: str,
    *,
    at: datetime,
    actor: User | None,
    kind: str,
    action: str = "",
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The event row that follows `prev_hash` in a case's hash chain (also what batch
    writers such as the deadline sweep insert; they move the case's head themselves)."""
    data = data or {}
    actor_id = actor.id if actor is not None else None
    payload = event_payload(
        case_id=case_id,
        at=at,
        actor_id=actor_id,
        kind=kind,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data,
    )
    return {
        "case_id": case_id,
        "at": at,
        "actor_id": actor_id,
        "kind": kind,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "reason": reason,
        "data": data,
        "prev_hash": prev_hash,
        "hash": chain_hash(prev_hash, payload),
    }


def _append_event(case: CaseRow, **kw: Any) -> dict[str, Any]:
    event = event_row(case.id, case.last_event_hash, **kw)
    case.events.append(event)
    # Moving the chain head updates the case row, so its version guards the chain too.
    case.set(last_event_hash=event["hash"])
    return event


# The statements of a step, built once: SQLAlchemy caches their compiled form by the
# statement object, so a step pays no SQL building. The SET columns come from the
# parameters; the WHERE parameters are named apart from the columns.
_UPDATE_CASE = Prepared(
    update(case_t).where(
        case_t.c.id == bindparam("w_id"), case_t.c.version == bindparam("w_version")
    )
)
_UPDATE_PERSON = Prepared(update(person_t).where(person_t.c.id == bindparam("w_id")))
_CLOSE_TASK = Prepared(update(task_t).where(task_t.c.id == bindparam("w_id")))
_INSERT_TASK = Prepared(insert(task_t))
_INSERT_EVENT = Prepared(insert(event_t))


def _flush(case: CaseRow) -> None:
    """Write what `case` has pending: the versioned case update first (it guards the
    whole step), then the person's facts, the task swap (close before opening: one open
    task per case is a unique index) and the events. Raises StaleVersion if another
    transaction moved the case since it was read."""
    if not case.changes:
        assert case.closing is None and case.opening is None and not case.events
        return
    if case.conn.dialect.name == "postgresql":
        _flush_in_one_statement(case)
    else:
        _flush_statements(case)


def _flush_statements(case: CaseRow) -> None:
    """The writes as separate statements (SQLite runs in process: a statement costs no
    round trip there)."""
    run = case.run
    guard = {"w_id": case.id, "w_version": case.version, "version": case.version + 1}
    result = _UPDATE_CASE.execute(run, {**case.changes, **guard})
    if result.rowcount != 1:
        raise StaleVersion()
    if case.person_changed:
        _UPDATE_PERSON.execute(run, {"w_id": case.person_id, "facts": case.person_data})
    if case.closing is not None:
        _CLOSE_TASK.execute(run, case.closing)
    task_id = None
    if case.opening is not None:
        task_id = _INSERT_TASK.execute(run, case.opening).lastrowid
    if len(case.events) == 1:
        _INSERT_EVENT.execute(run, case.events[0])
    else:
        _INSERT_EVENT.executemany(run, case.events)
    _written(case, task_id)


def _written(case: CaseRow, task_id: int | None) -> None:
    case.version += 1
    case.changes = {}
    case.person_changed = False
    case.closing = None
    if case.opening is not None:
        o = case.opening
        case.task = OpenTask(task_id, o["state"], o["role"], o["jurisdiction_id"], None)  # type: ignore[arg-type]
        case.opening = None
    case.events = []


@dataclass(frozen=True, slots=True)
class _Shape:
    """What one flush writes; each shape's statement is built once."""

    case_columns: tuple[str, ...]
    person: bool
    closing: bool
    opening: bool
    events: int


_OPEN_COLUMNS = (
    "case_id",
    "procedure",
    "state",
    "role",
    "jurisdiction_id",
    "jurisdiction_path",
    "due_on",
    "created_at",
)
_EVENT_COLUMNS = (
    "case_id",
    "at",
    "actor_id",
    "kind",
    "action",
    "from_state",
    "to_state",
    "reason",
    "data",
    "prev_hash",
    "hash",
)
_ONE_STATEMENT: dict[_Shape, Prepared] = {}


def _typed(table: Table, column: str, name: str) -> Any:
    return bindparam(name, type_=table.c[column].type)


def _one_statement(shape: _Shape) -> Prepared:
    """PostgreSQL: the step's writes as data-modifying CTEs of one statement, one round
    trip instead of four or five. The statement answers how many case rows the versioned
    update matched (0: StaleVersion) and the new task's id. Every other write is
    conditional on that update's row, so a stale step writes nothing even outside a
    transaction (step()'s autocommit path). The new task is inserted from the closed
    one's row, so the old task is closed first (sub-statements of a WITH otherwise run in
    no set order, and one open task per case is a unique index)."""
    found = _ONE_STATEMENT.get(shape)
    if found is not None:
        return found
    moved = (
        update(case_t)
        .where(case_t.c.id == bindparam("w_id"), case_t.c.version == bindparam("w_version"))
        .values({k: _typed(case_t, k, f"c_{k}") for k in shape.case_columns})
        .returning(case_t.c.id)
        .cte("moved")
    )
    if_moved = select(literal_column("1")).select_from(moved).exists()
    ctes: list[Any] = []
    if shape.person:
        ctes.append(
            update(person_t)
            .where(person_t.c.id == bindparam("p_id"), if_moved)
            .values(facts=_typed(person_t, "facts", "p_facts"))
            .cte("person_written")
        )
    closed = None
    if shape.closing:
        closed = (
            update(task_t)
            .where(task_t.c.id == bindparam("t_id"), if_moved)
            .values({k: _typed(task_t, k, f"t_{k}") for k in _CLOSE_COLUMNS})
            .returning(task_t.c.id)
            .cte("closed")
        )
        ctes.append(closed)
    task_id: Any = null()
    if shape.opening:
        row = select(
            *(cast(_typed(task_t, k, f"n_{k}"), task_t.c[k].type) for k in _OPEN_COLUMNS)
        )
        row = row.select_from(closed if closed is not None else moved)
        opened = insert(task_t).from_select(_OPEN_COLUMNS, row).returning(task_t.c.id).cte("opened")
        ctes.append(opened)
        task_id = select(opened.c.id).scalar_subquery()
    if shape.events:
        # In chain order: the rows are numbered and inserted sorted, so event ids follow
        # the chain (a multi-row VALUES would do too, but SQLAlchemy cannot cache it).
        rows = union_all(
            *(
                select(
                    literal_column(str(i)).label("n"),
                    *(
                        cast(_typed(event_t, k, f"e{i}_{k}"), event_t.c[k].type).label(k)
                        for k in _EVENT_COLUMNS
                    ),
                )
                for i in range(shape.events)
            )
        ).subquery("new_events")
        ctes.append(
            insert(event_t)
            .from_select(
                _EVENT_COLUMNS,
                select(*(rows.c[k] for k in _EVENT_COLUMNS)).where(if_moved).order_by(rows.c.n),
            )
            .cte("events_written")
        )
    stmt = select(
        select(func.count()).select_from(moved).scalar_subquery().label("matched"),
        task_id.label("task_id"),
    )
    if ctes:
        stmt = stmt.add_cte(*ctes)
    prepared = _ONE_STATEMENT[shape] = Prepared(stmt, "Written")
    return prepared


_CLOSE_COLUMNS = ("closed_at", "closed_by_id", "close_action")


def _flush_in_one_statement(case: CaseRow) -> None:
    changes = {**case.changes, "version": case.version + 1}
    shape = _Shape(
        tuple(sorted(changes)),
        case.person_changed,
        case.closing is not None,
        case.opening is not None,
        len(case.events),
    )
    params: dict[str, Any] = {"w_id": case.id, "w_version": case.version}
    params.update({f"c_{k}": v for k, v in changes.items()})
    if case.person_changed:
        params["p_id"] = case.person_id
        params["p_facts"] = case.person_data
    if case.closing is not None:
        params["t_id"] = case.closing["w_id"]
        params.update({f"t_{k}": case.closing[k] for k in _CLOSE_COLUMNS})
    if case.opening is not None:
        params.update({f"n_{k}": case.opening[k] for k in _OPEN_COLUMNS})
    for i, event in enumerate(case.events):
        params.update({f"e{i}_{k}": event[k] for k in _EVENT_COLUMNS})
    row = _one_statement(shape).execute(case.run, params).one()
    if row.matched != 1:
        raise StaleVersion()
    _written(case, row.task_id)


def _guarded(
    case: CaseRow, write: Callable[P, None], *args: P.args, **kwargs: P.kwargs
) -> None:
    """Run engine writes; a lost race (version check, unique open task) is StaleVersion
    and leaves nothing written (step()'s own transaction rolls back as it leaves)."""
    try:
        write(*args, **kwargs)
    except (StaleVersion, IntegrityError):
        if case.in_session:
            db.session.rollback()
        raise StaleVersion() from None


# Division paths never change once created, so path -> id is safe to remember.
_jurisdiction_ids: dict[str, int] = {}


def _jurisdiction_id(path: str, conn: Connection) -> int:
    jid = _jurisdiction_ids.get(path)
    if jid is None:
        jid = conn.scalar(select(jurisdiction_t.c.id).where(jurisdiction_t.c.path == path))
        if jid is None:
            raise NotFound(_("找不到辖区 %(path)s", path=path))
        _jurisdiction_ids[path] = jid
    return jid


def task_jurisdiction(procedure: Procedure, state: str, case: CaseRow) -> tuple[int, str]:
    """(id, path) of the office's area for a waiting state: the ancestor at the role's
    level on the state's side (origin or destination)."""
    spec = procedure.state(state)
    assert spec.role is not None
    base = case.origin_path if spec.side == "origin" else case.destination_path
    path = ancestor_path(base, Role(spec.role).level)
    return _jurisdiction_id(path, case.conn), path


def _open_task(case: CaseRow, procedure: Procedure, state: str, now: datetime) -> None:
    spec = procedure.state(state)
    if not spec.waiting:
        return
    jid, jpath = task_jurisdiction(procedure, state, case)
    case.opening = {
        "case_id": case.id,
        "procedure": case.procedure,
        "state": state,
        "role": str(spec.role),
        "jurisdiction_id": jid,
        "jurisdiction_path": jpath,
        "due_on": due_date(case.procedure, state, jpath, local_date(now)),
        "created_at": now,
    }


# The case columns the engine writes.
_WRITTEN = ("state", "outcome", "closed_at", "data", "last_event_hash", "version")


def _held(model: type, ident: int) -> Any:
    """The session's instance of a row, if it holds one (SQLAlchemy's identity key:
    class, primary key tuple, identity token)."""
    return db.session.identity_map.get((model, (ident,), None))


def _orm_case(case: CaseRow) -> Case:
    """The ORM object for `case`, as the caller's session sees it: an instance it already
    holds is expired, else a new one with its id and version; either loads the rest from
    the row just written when it is read."""
    held = _held(Case, case.id)
    if held is not None:
        db.session.expire(held)
        return held  # type: ignore[no-any-return]
    orm = Case(id=case.id, version=case.version)
    make_transient_to_detached(orm)  # the columns not given are expired
    db.session.add(orm)
    return orm


def _expire_held(model: type, ident: int | None, case: CaseRow | None = None) -> None:
    """Rows written here with Core: an ORM instance the session holds reloads on access
    (not for a `case` that step() reads outside the session)."""
    if ident is not None and (case is None or case.in_session):
        held = _held(model, ident)
        if held is not None:
            db.session.expire(held)


def open_case(
    *,
    household: Household,
    person: Person | None,
    procedure_name: str,
    actor: User,
    now: datetime,
    intake: Intake | None = None,
    data: dict[str, Any] | None = None,
) -> Case:
    """Open a case in the procedure's initial state with its first task (受理)."""
    procedure = get_procedure(procedure_name)
    if procedure.per == "person" and person is None:
        raise InvalidAction(_("%(procedure)s按人办理，须指定人员", procedure=_(procedure.label)))
    existing = db.session.scalar(
        select(Case.id).where(
            Case.procedure == procedure_name,
            Case.closed_at.is_(None),
            Case.person_id == person.id if person else Case.household_id == household.id,
        )
    )
    if existing is not None:
        label = _(procedure.label)
        if person is None:
            raise DuplicateCase(
                _("该户已有正在办理的%(procedure)s事项，不能重复受理", procedure=label)
            )
        raise DuplicateCase(
            _(
                "%(name)s已有正在办理的%(procedure)s事项，不能重复受理",
                name=person.name,
                procedure=label,
            )
        )
    orm = Case(
        procedure=procedure_name,
        household=household,
        person=person,
        intake=intake,
        state=procedure.initial,
        jurisdiction_id=household.destination_jurisdiction_id,
        jurisdiction_path=household.destination.path,
        opened_by_id=actor.id,
        opened_at=now,
        data=dict(data or {}),
        last_event_hash="",
    )
    db.session.add(orm)
    db.session.flush()
    case = _read_case(orm.id)
    _append_event(
        case,
        at=now,
        actor=actor,
        kind="opened",
        to_state=procedure.initial,
        data={"receipt_no": intake.receipt_no} if intake else {},
    )
    _open_task(case, procedure, procedure.initial, now)
    _flush(case)
    _settle(case, procedure, now)
    _reevaluate_dependents(case, now)
    db.session.expire(orm, list(_WRITTEN))
    _expire_held(Person, case.person_id)
    return orm


def act(
    *,
    case_id: int,
    action: str,
    actor: User,
    seen_version: int | None,
    data: dict[str, Any],
    now: datetime,
) -> Case:
    """Apply one user action to a case. Raises an EngineError or WorkflowError on refusal.

    Refusals leave the session unchanged; the caller commits on success.
    """
    case = _read_case(case_id)
    _expire_held(Case, case_id)  # whatever the outcome, the caller sees the row as it is
    task, procedure, decision = _check_step(case, action, actor, seen_version, data, now)
    _guarded(case, _act, case, procedure, decision, actor, now)
    _expire_held(Task, task.id)
    return _orm_case(case)


@dataclass(frozen=True, slots=True)
class Stepped:
    """A case as step() left it."""

    id: int
    version: int
    state: str
    outcome: str | None
    closed_at: datetime | None


def step(
    *,
    case_id: int,
    action: str,
    actor: User,
    seen_version: int | None,
    data: dict[str, Any],
    now: datetime,
    conn: Connection | None = None,
) -> Stepped:
    """act() in a transaction of its own, outside the ORM session: the same checks,
    rules and writes, committed before it returns (rolled back on any refusal). For
    callers whose transaction is just the step (the web action form, the API, a batch
    that moves cases one by one); it saves the session's bookkeeping, over a third of a
    step's client CPU.

    `conn`: a connection (not in a transaction, at the default isolation level, which
    it is left at) to run on, for a caller that takes many steps; default, one from the
    pool. ORM objects the caller's session holds for the case are not refreshed: end
    that transaction before reading them again."""
    with db.engine.connect() if conn is None else nullcontext(conn) as on:
        return _step_on(on, case_id, action, actor, seen_version, data, now)


def _step_on(
    conn: Connection,
    case_id: int,
    action: str,
    actor: User,
    seen_version: int | None,
    data: dict[str, Any],
    now: datetime,
) -> Stepped:
    def take(only_lone: bool) -> Stepped | None:
        case = _read_case(case_id, conn)
        _, procedure, decision = _check_step(case, action, actor, seen_version, data, now)
        if only_lone and not _lone(case, procedure, decision):
            return None
        _guarded(case, _act, case, procedure, decision, actor, now)
        return Stepped(case.id, case.version, case.state, case.outcome, case.closed_at)

    if conn.dialect.name == "postgresql":
        # A step that writes only its own case is one write statement, which is atomic
        # by itself and writes nothing unless the versioned case update matched: in
        # autocommit it is two round trips (read, write) instead of four (BEGIN, read,
        # write, COMMIT). The read never shared a snapshot with the write (READ
        # COMMITTED), so the step is the same as in a transaction.
        with _autocommit(conn):
            stepped = take(only_lone=True)
        if stepped is not None:
            return stepped
    if conn.dialect.name == "sqlite" and not conn.in_transaction():
        # pysqlite begins the database's transaction at the step's first write, so the
        # commit can go to it directly: SQLAlchemy's own transaction is begun only if
        # something in the step runs through Connection.execute (a query listener, a
        # related case read by a rule), and then it commits. That saves its bookkeeping,
        # a sixtieth of a step.
        dbapi_connection = conn.connection.dbapi_connection
        assert dbapi_connection is not None
        try:
            stepped = take(only_lone=False)
        except BaseException:
            conn.rollback()  # SQLAlchemy's transaction, if one was begun
            dbapi_connection.rollback()
            raise
        if conn.in_transaction():
            conn.commit()
        else:
            dbapi_connection.commit()
    else:
        with conn.begin():
            stepped = take(only_lone=False)
    assert stepped is not None
    return stepped


@contextmanager
def _autocommit(conn: Connection) -> Iterator[None]:
    """`conn` in autocommit for the block, then back at its default isolation level."""
    default = conn.default_isolation_level
    conn.execution_options(isolation_level="AUTOCOMMIT")
    try:
        yield
    finally:
        conn.rollback()  # ends SQLAlchemy's own bookkeeping; the database has no transaction
        conn.execution_options(isolation_level=default)


def _lone(case: CaseRow, procedure: Procedure, decision: Decision) -> bool:
    """Whether a step writes only its own case, in one flush: no system action waits in
    the state it reaches, and no dependent case needs re-evaluating."""
    if not decision.final and procedure.has_system_actions(decision.dest):
        return False
    has_dependents = case.person_id is not None and case.other_open_cases
    return not (has_dependents and dependents_of(case.procedure))


def _check_step(
    case: CaseRow,
    action: str,
    actor: User,
    seen_version: int | None,
    data: dict[str, Any],
    now: datetime,
) -> tuple[OpenTask, Procedure, Decision]:
    """Permission (role × jurisdiction × state × version) and the rules' decision."""
    if seen_version is not None and seen_version != case.version:
        raise StaleVersion()
    task = case.task
    if case.closed_at is not None:
        raise InvalidAction(_("该事项已办结"))
    if task is None and case.workflow.state(case.state).waits_on:
        raise InvalidAction(_("该事项正在等待关联事项办结，暂无需办理"))
    if task is None or task.state != case.state:
        # Read between another transaction's case and task writes: it moved meanwhile.
        raise StaleVersion()
    if not can_act(actor, task):
        raise PermissionDenied()
    procedure = case.workflow
    decision = procedure.decide(case.state, action, data, _context(case, now))
    return task, procedure, decision


def _act(
    case: CaseRow, procedure: Procedure, decision: Decision, actor: User, now: datetime
) -> None:
    _apply(case, procedure, decision, actor, now)
    _settle(case, procedure, now)
    _reevaluate_dependents(case, now)
    _flush(case)
    _expire_held(Person, case.person_id, case)


def _apply(
    case: CaseRow,
    procedure: Procedure,
    decision: Decision,
    actor: User | None,
    now: datetime,
) -> None:
    if case.task is not None:
        case.closing = {
            "w_id": case.task.id,
            "closed_at": now,
            "closed_by_id": actor.id if actor else None,
            "close_action": decision.action.trigger,
        }
        case.task = None
    reason = str(decision.record.get("reason") or "")
    record = {k: v for k, v in decision.record.items() if k != "reason"}
    if record:  # else the case's data stays as it is, unwritten
        case.set(data={**case.data, **record})
    if decision.person_facts and case.person_id is not None:
        case.person_data = {**case.person_data, **decision.person_facts}
        case.person_changed = True
    case.set(state=decision.dest)
    if decision.final:
        case.set(outcome=decision.outcome, closed_at=now)
    _append_event(
        case,
        at=now,
        actor=actor,
        kind="transition",
        action=decision.action.trigger,
        from_state=decision.source,
        to_state=decision.dest,
        reason=reason,
        data=record,
    )
    for violation in decision.violations:
        _append_event(case, at=now, actor=None, kind="violation", data=dict(violation))
    waits_on = procedure.state(decision.dest).waits_on
    if waits_on:
        other = get_procedure(waits_on)
        _append_event(
            case,
            at=now,
            actor=None,
            kind="reevaluated",
            data={"dependency": waits_on, "text": f"等待{other.label}办结"},
        )
    _open_task(case, procedure, decision.dest, now)
    _flush(case)


MAX_AUTOMATIC_STEPS = 5


def _fire_system_action(case: CaseRow, procedure: Procedure, now: datetime) -> Decision | None:
    """Fire the first system action available in the case's state, if any."""
    if case.closed_at is not None or not procedure.has_system_actions(case.state):
        return None
    ctx = _context(case, now)
    for action in procedure.available_actions(case.state, ctx, system=True):
        try:
            decision = procedure.decide(case.state, action.trigger, {}, ctx)
        except WorkflowError:
            continue  # e.g. closing would leave a gap (五个不变): stay and wait
        _apply(case, procedure, decision, None, now)
        return decision
    return None


def _settle(case: CaseRow, procedure: Procedure, now: datetime) -> None:
    """Routing states move on at once (e.g. a decision table applied when a case opens)."""
    for _step in range(MAX_AUTOMATIC_STEPS):
        if _fire_system_action(case, procedure, now) is None:
            return


def _reevaluate_dependents(case: CaseRow, now: datetime, _seen: set[int] | None = None) -> None:
    """Re-evaluate the person's open cases that depend on `case`'s procedure.

    A dependent whose system action is now available moves on ("unblocked by …"); one
    still waiting for this procedure says so ("waiting for …"). Each is a timeline event.
    """
    names = dependents_of(case.procedure)
    if not names or case.person_id is None or not case.other_open_cases:
        return
    seen = _seen if _seen is not None else {case.id}
    c = case_t.c
    dependent_ids = case.conn.scalars(
        select(c.id)
        .where(
            c.person_id == case.person_id,
            c.procedure.in_(names),
            c.closed_at.is_(None),
            c.id != case.id,
        )
        .order_by(c.id)
    ).all()
    cause = get_procedure(case.procedure)
    cause_state = cause.state(case.state).label
    for dependent_id in dependent_ids:
        if dependent_id in seen:
            continue
        seen.add(dependent_id)
        dependent = _read_case(dependent_id, None if case.in_session else case.conn)
        procedure = dependent.workflow
        before = dependent.state
        waiting = procedure.state(before).waits_on == case.procedure
        decision = _fire_system_action(dependent, procedure, now)
        if decision is not None:
            _append_event(
                dependent,
                at=now,
                actor=None,
                kind="reevaluated",
                data={
                    "dependency": case.procedure,
                    "cause_case_id": case.id,
                    "text": f"因{cause.label}（{cause_state}）解除等待：{decision.action.label}",
                },
            )
            _settle(dependent, procedure, now)
            _reevaluate_dependents(dependent, now, seen)
        elif waiting:
            _append_event(
                dependent,
                at=now,
                actor=None,
                kind="reevaluated",
                data={
                    "dependency": case.procedure,
                    "cause_case_id": case.id,
                    "text": f"继续等待{cause.label}办结（当前：{cause_state}）",
                },
            )
        else:
            status = procedure.dependency_status(_context(dependent, now))
            if status and status != _last_status(dependent.id, dependent.conn):
                _append_event(
                    dependent,
                    at=now,
                    actor=None,
                    kind="reevaluated",
                    data={
                        "dependency": case.procedure,
                        "cause_case_id": case.id,
                        "status": status,
                        "text": f"因{cause.label}（{cause_state}）重新评估：{status}",
                    },
                )
        _flush(dependent)
        _expire_held(Case, dependent.id, dependent)
        _expire_held(Person, dependent.person_id, dependent)


def _last_status(case_id: int, conn: Connection) -> str:
    """The derived status the last re-evaluation event recorded, if any."""
    data = conn.scalar(
        select(event_t.c.data)
        .where(event_t.c.case_id == case_id, event_t.c.kind == "reevaluated")
        .order_by(event_t.c.id.desc())
        .limit(1)
    )
    return str((data or {}).get("status", ""))


def _record(case_id: int, *, actor: User | None, kind: str, now: datetime, **kw: Any) -> None:
    """Append one event to a case's chain and write it (guarded by the case's version)."""
    case = _read_case(case_id)
    _append_event(case, at=now, actor=actor, kind=kind, **kw)
    _guarded(case, _flush, case)
    _expire_held(Case, case_id)


def claim(*, task_id: int, actor: User, now: datetime) -> Task:
    """Claim an open task so that colleagues see who is on it (待办认领)."""
    task = db.session.get(Task, task_id, populate_existing=True)
    if task is None:
        raise NotFound(_("找不到该待办"))
    if not can_claim(actor, task):
        if task.claimed_by_id not in (None, actor.id) or task.closed_at is not None:
            raise StaleVersion(_("该待办已被他人认领或已办结"))
        raise PermissionDenied()
    result = db.session.execute(
        update(Task)
        .where(Task.id == task.id, Task.claimed_by_id.is_(None), Task.closed_at.is_(None))
        .values(claimed_by_id=actor.id, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StaleVersion(_("该待办已被他人认领或已办结"))
    db.session.refresh(task)
    _record(task.case_id, actor=actor, kind="claimed", now=now, data={"task_id": task.id})
    return task


def release(*, task_id: int, actor: User, now: datetime) -> Task:
    task = db.session.get(Task, task_id, populate_existing=True)
    if task is None:
        raise NotFound(_("找不到该待办"))
    if not can_release(actor, task):
        raise PermissionDenied(_("只能释放本人认领的待办"))
    task.claimed_by_id = None
    task.claimed_at = None
    _record(task.case_id, actor=actor, kind="released", now=now, data={"task_id": task.id})
    return task


def record_event(case: Case, *, actor: User | None, kind: str, now: datetime, **kw: Any) -> Event:
    """Append a non-transition event (document uploaded, full ID viewed...)."""
    _record(case.id, actor=actor, kind=kind, now=now, **kw)
    event = db.session.scalar(
        select(Event).where(Event.case_id == case.id).order_by(Event.id.desc()).limit(1)
    )
    assert event is not None
    return event
