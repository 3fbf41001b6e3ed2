"""What the engine reads: a case with its open task and the facts its rules look at.

One Core select reads the case, its open task, its household (with the site and both
ends of the move) and its person; `Context` is built from that row.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import FromClause, Join, Row, Select, and_, bindparam, func, select

from transfers.cases.models import Case
from transfers.db import table_of
from transfers.engine.errors import NotFound
from transfers.engine.events import connection
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.jurisdictions.models import Jurisdiction, Site
from transfers.tasks.models import Task
from workflows.base import Context, Procedure, RelatedCase
from workflows.calendar import local_date
from workflows.i18n import gettext as _
from workflows.registry import get_procedure
from workflows.roles import Role, ancestor_path
from workflows.scope import relocation_scope

case_t = table_of(Case)
task_t = table_of(Task)
household_t = table_of(Household)
person_t = table_of(Person)
site_t = table_of(Site)
jurisdiction_t = table_of(Jurisdiction)


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


def _household_facts(row: Row[Any, *tuple[Any, ...]]) -> dict[str, Any]:
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


def household_facts(household: Household) -> dict[str, Any]:
    """The facts of a household the rules read (site, both ends of the move…)."""
    row = db.session.execute(
        select(*_HOUSEHOLD_COLUMNS)
        .select_from(_join_household_places(household_t))
        .where(household_t.c.id == household.id)
    ).one()
    return _household_facts(row)


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
    """A case as the engine reads it, with what a step will write: column changes,
    the person's facts, the task to close and the one to open, and the events (their
    keyword arguments; they are hashed onto the chain head when written)."""

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
    person_name: str  # "" for a household's case
    origin_path: str
    destination_path: str
    household_facts: dict[str, Any]
    person_facts: dict[str, Any]
    task: OpenTask | None
    other_open_cases: int
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


_CASE_COLUMNS = (
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
_other = case_t.alias("other")
_CASE_SELECT: Select[Any] = select(
    *(case_t.c[name] for name in _CASE_COLUMNS),
    task_t.c.id.label("task_id"),
    task_t.c.state.label("task_state"),
    task_t.c.role.label("task_role"),
    task_t.c.jurisdiction_id.label("task_jurisdiction_id"),
    task_t.c.claimed_by_id.label("task_claimed_by_id"),
    *_HOUSEHOLD_COLUMNS,
    *_PERSON_COLUMNS,
    person_t.c.name.label("person_name"),
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


# Statements the engine runs at every step are built once, with bound parameters:
# SQLAlchemy then reuses their compiled form without rebuilding them.
_READ_CASE = _CASE_SELECT.where(case_t.c.id == bindparam("case_id"))
JURISDICTION_ID = select(jurisdiction_t.c.id).where(jurisdiction_t.c.path == bindparam("j_path"))


def read_case(case_id: int) -> CaseRow:
    """The case with everything its rules read, fresh from the database, in the
    session's transaction; NotFound if there is none."""
    row = connection().execute(_READ_CASE, {"case_id": case_id}).first()
    if row is None:
        raise NotFound(_("找不到该事项"))
    task = None
    if row.task_id is not None:
        task = OpenTask(
            row.task_id,
            row.task_state,
            row.task_role,
            row.task_jurisdiction_id,
            row.task_claimed_by_id,
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
        person_name=row.person_name or "",
        origin_path=row.origin_path,
        destination_path=row.destination_path,
        household_facts=_household_facts(row),
        person_facts=person_facts(row) if has_person else {},
        task=task,
        other_open_cases=row.other_open_cases,
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
    for procedure, state, outcome, data in db.session.execute(q.order_by(c.id)):
        related[procedure] = RelatedCase(procedure, state, outcome, dict(data or {}))
    return related


def context(case: CaseRow, now: datetime) -> Context:
    """What the rules of `case` may look at."""
    return Context(
        facts={**case.household_facts, **case.person_facts, **case.person_data},
        case_data=dict(case.data),
        related=LazyRelated(case),
        today=local_date(now),
    )


def build_context(case: Case, now: datetime) -> Context:
    """What the rules of `case` may look at (the same the engine gives them)."""
    return context(read_case(case.id), now)


def task_path(procedure: Procedure, state: str, case: CaseRow) -> str:
    """Path of the office's area for a waiting state: the ancestor at the role's level
    on the state's side (origin or destination)."""
    spec = procedure.state(state)
    assert spec.role is not None
    base = case.origin_path if spec.side == "origin" else case.destination_path
    return ancestor_path(base, Role(spec.role).level)


def task_jurisdiction(procedure: Procedure, state: str, case: CaseRow) -> tuple[int, str]:
    """(id, path) of the office's area for a waiting state (`task_path`)."""
    path = task_path(procedure, state, case)
    jid = connection().scalar(JURISDICTION_ID, {"j_path": path})
    if jid is None:
        raise NotFound(_("找不到辖区 %(path)s", path=path))
    return jid, path
