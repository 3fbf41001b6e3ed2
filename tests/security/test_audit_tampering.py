"""The audit trail cannot be cut or rebuilt unnoticed (docs/SECURITY.md, Audit).

Each attack is made with direct SQL, as someone with write access to the database but
without AUDIT_KEY would make it; `flask audit verify` must fail on every one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from tests.conftest import NOW
from transfers.cases.models import Case, Event
from transfers.demo import load_demo
from transfers.engine.audit import event_payload, legacy_chain_hash
from transfers.engine.checkpoint import verify_audit, write_checkpoint
from transfers.privacy.models import AccessLog, AuditCheckpoint, AuditState
from transfers.privacy.services import access_payload, reveal_id_number
from transfers.scheduler import build_scheduler, run_checkpoint
from workflows.roles import Role


def _delete_with_dependents(db, table, ident: int) -> None:  # type: ignore[no-untyped-def]
    """Delete one row and, first, every row that refers to it, table by table."""
    _delete_where(db, table, table.c.id == ident)


def _delete_where(db, table, condition) -> None:  # type: ignore[no-untyped-def]
    for child in db.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is table and child is not table:
                ids = select(fk.column).where(condition)
                _delete_where(db, child, fk.parent.in_(ids))
    db.session.execute(table.delete().where(condition))


def _problems() -> list[str]:
    return verify_audit().problems


@pytest.fixture()
def views(db, make_user, make_household):  # type: ignore[no-untyped-def]
    """Five access log entries."""
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household(members=5)
    for i, person in enumerate(hh.members):
        reveal_id_number(
            person=person, actor=staff, purpose="hukou", now=NOW + timedelta(seconds=i)
        )
    db.session.commit()
    assert _problems() == []
    return list(db.session.scalars(select(AccessLog).order_by(AccessLog.id)))


@pytest.fixture()
def cases(db):  # type: ignore[no-untyped-def]
    load_demo(households=4)
    db.session.commit()
    assert _problems() == []
    return list(db.session.scalars(select(Case).order_by(Case.id)))


def _case_events(db, case_id: int) -> list[Event]:  # type: ignore[no-untyped-def]
    return list(
        db.session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id))
    )


def _longest_case(db, cases) -> int:  # type: ignore[no-untyped-def]
    return max((c.id for c in cases), key=lambda cid: len(_case_events(db, cid)))


def _sql(db, statement: str, **params) -> None:  # type: ignore[no-untyped-def]
    db.session.execute(text(statement), params)
    db.session.commit()
    db.session.expire_all()


def test_deleting_the_newest_access_entries_is_caught(db, views):  # type: ignore[no-untyped-def]
    _sql(db, "DELETE FROM access_log WHERE id >= :i", i=views[3].id)
    assert "access log: newest entries missing (chain ends before its head)" in _problems()


def test_deleting_every_access_entry_is_caught(db, views):  # type: ignore[no-untyped-def]
    _sql(db, "DELETE FROM access_log")
    assert "access log: newest entries missing (chain ends before its head)" in _problems()


def test_cutting_access_entries_and_rewinding_the_head_is_caught_by_the_checkpoint(  # type: ignore[no-untyped-def]
    app, db, views
):
    run_checkpoint(app, NOW)
    _sql(db, "DELETE FROM access_log WHERE id >= :i", i=views[3].id)
    _sql(db, "UPDATE audit_state SET head = :h WHERE name = 'access_log'", h=views[2].hash)
    assert _problems() == ["access log: 2 entries missing since the signed checkpoint"]


def test_rebuilding_the_access_chain_with_plain_sha256_is_caught(db, views):  # type: ignore[no-untyped-def]
    prev = ""
    for entry in views:
        entry.purpose = "看看"
        entry.prev_hash, entry.hash = prev, legacy_chain_hash(prev, access_payload(entry))
        prev = entry.hash
    _sql(db, "UPDATE audit_state SET head = :h WHERE name = 'access_log'", h=prev)
    problems = _problems()
    assert f"access log {views[0].id}: content altered" in problems


def test_deleting_every_event_of_a_case_is_caught(db, cases):  # type: ignore[no-untyped-def]
    victim = cases[0].id
    _sql(db, "DELETE FROM event WHERE case_id = :c", c=victim)
    assert f"case {victim}: its opened event is missing (no events)" in _problems()


def test_deleting_a_case_with_its_events_is_caught_by_the_checkpoint(app, db, cases):  # type: ignore[no-untyped-def]
    run_checkpoint(app, NOW)
    victim = cases[0].id
    _sql(db, "DELETE FROM event WHERE case_id = :c", c=victim)
    _delete_with_dependents(db, db.metadata.tables["transfer_case"], victim)
    db.session.commit()
    assert f"case {victim}: deleted since the signed checkpoint" in _problems()


def test_deleting_the_opened_event_is_caught(db, cases):  # type: ignore[no-untyped-def]
    victim = _longest_case(db, cases)
    first = _case_events(db, victim)[0]
    _sql(db, "DELETE FROM event WHERE id = :i", i=first.id)
    assert f"case {victim}: its opened event is missing" in _problems()


def test_cutting_a_cases_newest_events_and_rewinding_its_head_is_caught(app, db, cases):  # type: ignore[no-untyped-def]
    run_checkpoint(app, NOW)
    victim = _longest_case(db, cases)
    events = _case_events(db, victim)
    _sql(db, "DELETE FROM event WHERE id = :i", i=events[-1].id)
    _sql(
        db,
        "UPDATE transfer_case SET last_event_hash = :h WHERE id = :c",
        h=events[-2].hash,
        c=victim,
    )
    assert _problems() == [f"case {victim}: 1 events missing since the signed checkpoint"]


def test_rewriting_an_event_and_recomputing_the_plain_chain_and_head_is_caught(db, cases):  # type: ignore[no-untyped-def]
    victim = _longest_case(db, cases)
    prev = ""
    events = _case_events(db, victim)
    events[-1].reason = "改写的理由"
    for ev in events:
        payload = event_payload(
            case_id=ev.case_id,
            at=ev.at,
            actor_id=ev.actor_id,
            kind=ev.kind,
            action=ev.action,
            from_state=ev.from_state,
            to_state=ev.to_state,
            reason=ev.reason,
            data=ev.data,
        )
        ev.prev_hash, ev.hash = prev, legacy_chain_hash(prev, payload)
        prev = ev.hash
    _sql(db, "UPDATE transfer_case SET last_event_hash = :h WHERE id = :c", h=prev, c=victim)
    problems = _problems()
    assert f"case {victim} event {events[0].id}: content altered" in problems


def test_plain_links_are_accepted_only_up_to_the_switch_over_point(db, views):  # type: ignore[no-untyped-def]
    """A database upgraded from plain SHA-256 chains: its old rows still verify."""
    prev = ""
    for entry in views:
        entry.prev_hash, entry.hash = prev, legacy_chain_hash(prev, access_payload(entry))
        prev = entry.hash
    state = db.session.get(AuditState, "access_log")
    state.head, state.legacy_through = prev, views[-1].id
    db.session.commit()
    assert _problems() == []
    _sql(db, "UPDATE audit_state SET legacy_through = :i WHERE name = 'access_log'", i=views[2].id)
    assert _problems() == [f"access log {e.id}: content altered" for e in views[3:]]


def test_checkpoints_cannot_be_forged_removed_or_the_switch_over_moved(app, db, views):  # type: ignore[no-untyped-def]
    first = run_checkpoint(app, NOW)[0]
    run_checkpoint(app, NOW + timedelta(days=1))
    assert _problems() == []
    _sql(db, "UPDATE audit_state SET legacy_through = 99 WHERE name = 'access_log'")
    assert "switch-over points were changed" in " ".join(_problems())
    _sql(db, "UPDATE audit_state SET legacy_through = 0 WHERE name = 'access_log'")
    body = db.session.get(AuditCheckpoint, first).body
    _sql(
        db,
        "UPDATE audit_checkpoint SET body = :b WHERE id = :i",
        b=body.replace('"access_log":[5', '"access_log":[4'),
        i=first,
    )
    assert f"checkpoint {first}: signature does not match" in _problems()
    _sql(db, "DELETE FROM audit_checkpoint WHERE id = :i", i=first)
    assert any("an earlier checkpoint is missing" in p for p in _problems())


def test_checkpoint_records_only_changed_chains_and_the_cli_verifies(app, db, views):  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0 and "signed" in result.output
    second = write_checkpoint(NOW)
    db.session.commit()
    assert '"chains":{}' in second.body  # nothing moved since the first
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "2 checkpoints" in result.output
    _sql(db, "DELETE FROM access_log WHERE id = :i", i=views[-1].id)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN: access log" in result.output


def test_a_different_key_does_not_verify(app, db, views):  # type: ignore[no-untyped-def]
    """The key, not the database, holds the chain's authority."""
    key = app.config["AUDIT_KEY"]
    app.config["AUDIT_KEY"] = "another-key"
    try:
        assert f"access log {views[0].id}: content altered" in _problems()
    finally:
        app.config["AUDIT_KEY"] = key


def test_the_scheduler_signs_a_checkpoint_every_night(app, db, views):  # type: ignore[no-untyped-def]
    job = build_scheduler(app, 60).get_job("audit-checkpoint")
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"], fields["day"]) == ("0", "30", "*")
    job.func(*job.args)
    assert db.session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 1
    assert verify_audit().checkpoints == 1 and _problems() == []
