"""step(): the engine's lean path, a step in its own transaction outside the ORM
session. It must behave exactly as act() followed by a commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW, race
from transfers.cases.models import Case, Event
from transfers.cases.services import open_intake
from transfers.engine import (
    InvalidAction,
    NotFound,
    PermissionDenied,
    RuleViolation,
    StaleVersion,
    Stepped,
    act,
    step,
)
from transfers.engine.verify import verify_chains
from transfers.tasks.models import Task
from workflows.roles import Role

SUBMIT = {"option": "site_address", "building": "3", "unit": "2", "door": "501"}
APPROVE = {"new_address": "幸福路88号3栋2单元501号", "registered_on": "2026-11-05"}
JOURNEY = [
    ("submit", "staff", SUBMIT),
    ("return", "police", {"reason": "材料不全，请补正"}),
    ("submit", "staff", {**SUBMIT, "door": "502"}),
    ("approve", "police", APPROVE),
]


@pytest.fixture()
def people(db, make_user):
    return {
        "staff": make_user(Role.VILLAGE_STAFF, "411221100201"),
        "police": make_user(Role.POLICE_STATION, "411221100"),
        "other_staff": make_user(Role.VILLAGE_STAFF, "411221100202"),
    }


@pytest.fixture()
def new_case(db, people, make_household):
    def make() -> Case:
        hh = make_household()
        intake = open_intake(
            household=hh, requests=[(hh.members[0], "hukou")], actor=people["staff"], now=NOW
        )
        db.session.commit()
        return intake.cases[0]

    return make


def take(case_id: int, actor, action: str = "submit", data=SUBMIT, **kw) -> Stepped:  # type: ignore[no-untyped-def]
    """step() as a clerk takes it: no version seen and NOW, unless given."""
    kw.setdefault("seen_version", None)
    kw.setdefault("now", NOW)
    return step(case_id=case_id, action=action, actor=actor, data=data, **kw)


def written(db, case_id: int):
    """Everything a case's steps wrote, without ids, hashes and the receipt number (they
    differ per case)."""
    db.session.expire_all()
    c = db.session.get(Case, case_id)
    events = db.session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id))
    tasks = db.session.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.id))
    return (
        (c.state, c.version, c.outcome, c.closed_at, c.data, c.person.facts),
        [
            (e.kind, e.action, e.from_state, e.to_state, e.reason, e.actor_id, e.at)
            + tuple(sorted((k, v) for k, v in e.data.items() if k != "receipt_no"))
            for e in events
        ],
        [
            (
                t.state,
                t.role,
                t.jurisdiction_id,
                t.jurisdiction_path,
                t.due_on,
                t.closed_at,
                t.close_action,
                t.closed_by_id,
            )
            for t in tasks
        ],
    )


def no_transaction_open(dbapi_connection) -> bool:  # type: ignore[no-untyped-def]
    """What the driver says: sqlite3's in_transaction, psycopg's transaction status."""
    if hasattr(dbapi_connection, "in_transaction"):
        return dbapi_connection.in_transaction is False
    return dbapi_connection.info.transaction_status.name == "IDLE"


def counts(db):
    db.session.expire_all()
    return tuple(
        db.session.scalar(select(func.count()).select_from(m)) for m in (Case, Task, Event)
    )


def test_step_writes_what_act_writes(db, people, new_case):
    by_act, by_step = new_case(), new_case()
    later = NOW
    for action, who, data in JOURNEY:
        later += timedelta(days=1)
        act(
            case_id=by_act.id,
            action=action,
            actor=people[who],
            seen_version=None,
            data=data,
            now=later,
        )
        db.session.commit()
        stepped = take(by_step.id, people[who], action, data, now=later)
        assert stepped.version == db.session.get(Case, by_act.id).version
    assert written(db, by_act.id) == written(db, by_step.id)
    assert (
        stepped.state == "completed"
        and stepped.outcome == "completed"
        and stepped.closed_at == later
    )
    assert verify_chains().problems == []


def test_step_commits_before_returning(app, db, people, new_case):
    case = new_case()
    stepped = take(case.id, people["staff"], seen_version=case.version)
    db.session.rollback()  # the caller's session has nothing to do with it
    with app.app_context():  # another session sees it at once
        from transfers.extensions import db as other

        seen = other.session.get(Case, case.id)
        assert (seen.state, seen.version) == ("police_review", stepped.version)
        other.session.remove()


@pytest.mark.parametrize(
    "who,version,action,data,error",
    [
        ("police", 0, "submit", SUBMIT, PermissionDenied),  # wrong role
        ("other_staff", 0, "submit", SUBMIT, PermissionDenied),  # sibling village
        ("staff", 0, "approve", APPROVE, InvalidAction),  # wrong state
        ("staff", -1, "submit", SUBMIT, StaleVersion),  # stale version
        ("staff", 0, "submit", {"option": "township_collective"}, RuleViolation),  # rule
    ],
)
def test_refusals_write_nothing_and_free_the_connection(
    db, people, new_case, who, version, action, data, error
):
    case = new_case()
    before, was = written(db, case.id), counts(db)
    pool = db.engine.pool
    checked_out = pool.checkedout()
    with pytest.raises(error):
        take(case.id, people[who], action, data, seen_version=case.version + version)
    assert pool.checkedout() == checked_out
    assert written(db, case.id) == before and counts(db) == was


def test_unknown_case_is_not_found(db, people):
    with pytest.raises(NotFound):
        take(987654, people["staff"])


def test_many_steps_on_one_connection_each_its_own_transaction(db, people, new_case):
    cases = [new_case() for _ in range(3)]
    with db.engine.connect() as conn:
        with pytest.raises(PermissionDenied):  # a refusal midway leaves the connection usable
            take(cases[0].id, people["police"], conn=conn)
        assert not conn.in_transaction()
        for c in cases:
            take(c.id, people["staff"], conn=conn)
            assert not conn.in_transaction()  # committed: others see it
            db.session.expire_all()
            assert db.session.get(Case, c.id).state == "police_review"
            db.session.rollback()
    assert verify_chains().problems == []


def test_two_approvers_at_once_exactly_one_wins(app, db, people, new_case, make_user):
    case = new_case()
    ids = [people["staff"].id, make_user(Role.VILLAGE_STAFF, "411221100201").id]
    # Both saw the case as it was: read here, not by the threads (the ORM object would
    # reload in whichever thread reads it first, maybe after the winner's commit).
    case_id, seen = case.id, case.version
    results = race(app, ids, lambda actor: take(case_id, actor, seen_version=seen))
    assert results == ["stale", "won"], results
    transitions = db.session.scalar(
        select(func.count())
        .select_from(Event)
        .where(Event.case_id == case.id, Event.kind == "transition")
    )
    assert transitions == 1


def test_dependents_move_in_the_same_transaction(db, people, make_household):
    """Approving the hukou unblocks the person's pension case, written in the step's own
    transaction; a refused step writes nothing on the dependents either."""
    hh = make_household(origin="140827203201", area="140827", members=1)
    person = hh.members[0]
    intake = open_intake(
        household=hh,
        requests=[(person, "hukou"), (person, "pension")],
        actor=people["staff"],
        now=NOW,
    )
    db.session.commit()
    cases = {c.procedure: c.id for c in intake.cases}
    was = counts(db)
    with pytest.raises(RuleViolation):
        take(cases["hukou"], people["staff"], "submit", {"option": "site_address"})
    assert counts(db) == was
    take(cases["hukou"], people["staff"])
    later = NOW + timedelta(days=3)  # registered on the 5th
    take(cases["hukou"], people["police"], "approve", APPROVE, now=later)
    db.session.expire_all()
    pension = db.session.get(Case, cases["pension"])
    assert pension.state == "agency"
    texts = [e.data.get("text", "") for e in pension.events if e.kind == "reevaluated"]
    assert "因户口迁移（已落户）解除等待" in texts[-1]
    assert verify_chains().problems == []


def test_a_step_that_went_stale_after_its_read_writes_nothing(db, people, new_case, monkeypatch):
    """Another transaction moves the case between the step's read and its write. On
    PostgreSQL the write is one statement committed by itself (autocommit): each of its
    writes depends on the versioned case update, so none of them lands."""
    from transfers.engine import service

    case = new_case()
    was, before = counts(db), written(db, case.id)
    check = service._check_step

    def then_someone_else_moves_it(*args, **kwargs):  # type: ignore[no-untyped-def]
        decided = check(*args, **kwargs)
        with db.engine.begin() as other:
            other.execute(
                service.case_t.update()
                .where(service.case_t.c.id == case.id)
                .values(version=service.case_t.c.version + 1)
            )
        return decided

    monkeypatch.setattr(service, "_check_step", then_someone_else_moves_it)
    with pytest.raises(StaleVersion):
        take(case.id, people["staff"])
    state, version, *rest = before[0]
    assert written(db, case.id) == ((state, version + 1, *rest), before[1], before[2])
    assert counts(db) == was


def test_statements_of_a_step_and_its_transaction(db, people, new_case):
    """PostgreSQL: a step that moves only its own case is two statements in autocommit
    (no BEGIN, no COMMIT), and the connection is back in its own isolation level after.
    SQLite: the read and four writes in one transaction."""
    from sqlalchemy import event

    warm, case = new_case(), new_case()  # the first step fills the engine's caches
    take(warm.id, people["staff"])
    seen: list[tuple[str, bool]] = []

    def record(conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        dbapi = conn.connection.dbapi_connection
        autocommit = getattr(dbapi, "autocommit", False) is True
        seen.append((statement.split()[0], autocommit))

    with db.engine.connect() as conn:
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            take(case.id, people["staff"], conn=conn)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        if db.engine.dialect.name == "postgresql":
            assert seen == [("SELECT", True), ("WITH", True)]
            assert conn.connection.dbapi_connection.autocommit is False
            assert conn.get_isolation_level() == conn.default_isolation_level
        else:
            assert [s for s, _ in seen] == ["SELECT", "UPDATE", "UPDATE", "INSERT", "INSERT"]
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "police_review"


@pytest.mark.parametrize("why", ["a system action waits in the state reached", "dependent cases"])
def test_a_step_that_moves_more_than_its_case_runs_in_a_transaction(
    db, people, make_household, why
):
    """The boundary of the autocommit path: applying for assistance reaches
    waiting_hukou, where a system action waits; submitting the hukou re-evaluates the
    person's pension and assistance cases. On PostgreSQL each runs in a transaction
    (no statement in autocommit); on either database they land whole."""
    from sqlalchemy import event

    hh = make_household(origin="140827203201", area="140827", members=1)
    person = hh.members[0]
    person.assistance = "tekun"
    db.session.commit()
    intake = open_intake(
        household=hh,
        requests=[(person, "hukou"), (person, "pension"), (person, "assistance")],
        actor=people["staff"],
        now=NOW,
    )
    db.session.commit()
    cases = {c.procedure: c.id for c in intake.cases}
    if why == "dependent cases":
        case_id, action, data, reached = cases["hukou"], "submit", SUBMIT, "police_review"
    else:
        applied = {"path": "transfer", "applied_on": "2026-11-02"}
        case_id, action, data, reached = cases["assistance"], "apply", applied, "waiting_hukou"
    seen: list[tuple[str, bool]] = []

    def record(conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        autocommit = getattr(conn.connection.dbapi_connection, "autocommit", False) is True
        seen.append((statement.split()[0], autocommit))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        stepped = take(case_id, people["staff"], action, data)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert stepped.state == reached
    if db.engine.dialect.name == "postgresql":
        # what found it moves more than its case read in autocommit; every write ran
        # in the transaction the step was then taken in, read again
        assert seen[0] == ("SELECT", True)
        assert all(kind == "SELECT" for kind, auto in seen if auto)
        writes = [auto for kind, auto in seen if kind != "SELECT"]
        assert writes and not any(writes)
    db.session.expire_all()
    texts = [e.data.get("text", "") for e in db.session.get(Case, cases["pension"]).events]
    assert ("继续等待户口迁移办结（当前：派出所审核办理）" in texts) == (why == "dependent cases")
    assert verify_chains().problems == []


@pytest.mark.parametrize("on_callers", [False, True], ids=["pooled", "caller's connection"])
@pytest.mark.parametrize("listened", [False, True], ids=["unwatched", "watched"])
@pytest.mark.parametrize("scenario", ["lone", "with dependents"])
def test_a_failure_after_the_writes_leaves_all_or_nothing(
    db, people, new_case, make_household, monkeypatch, scenario, listened, on_callers
):
    """SQLite commits a step in pysqlite's own transaction, or in SQLAlchemy's when the
    step began one (a query listener, the dependents' reads): a failure after the
    writes rolls back all of them either way, on a pooled connection or the caller's
    (which is left with no transaction open), and the connection is freed. On
    PostgreSQL the step with dependents runs in a transaction and rolls back too; a
    lone step's one write statement is its own commit there, so the step has landed
    whole (case, task and event, chain intact) before anything can fail."""
    from sqlalchemy import event

    from transfers.engine import service

    if scenario == "lone":
        take(new_case().id, people["staff"])  # fills the engine's caches: no read through
        case_id = new_case().id  # SQLAlchemy then, so no transaction of its own unwatched
    else:
        hh = make_household(origin="140827203201", area="140827", members=1)
        intake = open_intake(
            household=hh,
            requests=[(hh.members[0], "hukou"), (hh.members[0], "pension")],
            actor=people["staff"],
            now=NOW,
        )
        db.session.commit()
        case_id = next(c.id for c in intake.cases if c.procedure == "hukou")
    autocommitted = scenario == "lone" and db.engine.dialect.name == "postgresql"
    before, was = written(db, case_id), counts(db)
    checked_out = db.engine.pool.checkedout()

    def fail(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the machine stops after the writes")

    monkeypatch.setattr(service, "_written", fail)
    watcher = lambda *_args: None  # noqa: E731
    if listened:
        event.listen(db.engine, "before_cursor_execute", watcher)
    with db.engine.connect() as conn:
        try:
            with pytest.raises(RuntimeError):
                take(case_id, people["staff"], conn=conn if on_callers else None)
        finally:
            if listened:
                event.remove(db.engine, "before_cursor_execute", watcher)
        assert not conn.in_transaction()
        assert no_transaction_open(conn.connection.dbapi_connection)
    assert db.engine.pool.checkedout() == checked_out
    monkeypatch.undo()
    if autocommitted:
        state, version, *_ = written(db, case_id)[0]
        assert (state, version) == ("police_review", before[0][1] + 1)
        assert counts(db) == (was[0], was[1] + 1, was[2] + 1)  # the next task, the event
        assert verify_chains().problems == []
    else:
        assert written(db, case_id) == before and counts(db) == was
        take(case_id, people["staff"])  # and the case moves on as before
        assert written(db, case_id)[0][0] == "police_review"


def test_a_case_keeps_its_data_and_gains_only_what_a_step_records(db, people, new_case):
    """Submitting records the chosen option (and what follows from it); returning
    records only its reason, kept in the event and not the case, so the case's data
    stays as the submission left it."""
    case = new_case()
    before = written(db, case.id)[0][4]
    take(case.id, people["staff"])
    submitted = written(db, case.id)[0][4]
    assert before.items() <= submitted.items() and SUBMIT.items() <= submitted.items()
    take(case.id, people["police"], "return", {"reason": "材料不全，请补正"})
    state, _, _, _, data, _ = written(db, case.id)[0]
    assert state == "application" and data == submitted
