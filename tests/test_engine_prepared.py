"""The engine's prepared statements (transfers/engine/prepared.py) behave exactly like
SQLAlchemy's own execution: same rows and types, same exceptions, visible to listeners,
and a step's several events stay in chain order."""

from __future__ import annotations

import pytest
from sqlalchemy import event, exc, select

from tests.conftest import NOW
from transfers.cases.models import Event
from transfers.cases.services import open_intake
from transfers.engine import act
from transfers.engine.service import _INSERT_TASK, _READ_CASE
from transfers.engine.verify import verify_chains
from workflows.roles import Role

SUBMIT = {"option": "site_address", "building": "3", "unit": "2", "door": "501"}


@pytest.fixture()
def opened(db, make_user, make_household):  # type: ignore[no-untyped-def]
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    police = make_user(Role.POLICE_STATION, "411221100")
    # Cross-province: the pension case opens and at once waits for the hukou case, so
    # one write carries several events.
    hh = make_household(origin="140827203201", area="140827", members=1)
    intake = open_intake(
        household=hh,
        requests=[(hh.members[0], "hukou"), (hh.members[0], "pension")],
        actor=staff,
        now=NOW,
    )
    db.session.commit()
    return staff, police, {c.procedure: c for c in intake.cases}


def _submit(db, staff, hukou):  # type: ignore[no-untyped-def]
    act(case_id=hukou.id, action="submit", actor=staff, seen_version=None, data=SUBMIT, now=NOW)
    db.session.commit()


def test_rows_and_types_are_sqlalchemys(db, opened):  # type: ignore[no-untyped-def]
    staff, police, cases = opened
    _submit(db, staff, cases["hukou"])
    conn = db.session.connection()
    for case in cases.values():
        ours = _READ_CASE.execute(conn, {"case_id": case.id}).first()
        theirs = conn.execute(_READ_CASE.statement, {"case_id": case.id}).first()
        assert tuple(ours) == tuple(theirs)
        assert [type(v) for v in ours] == [type(v) for v in theirs]
        assert ours._fields == tuple(theirs._fields)
    assert _READ_CASE.execute(conn, {"case_id": -1}).first() is None


def test_several_events_of_one_write_keep_chain_order(db, opened):  # type: ignore[no-untyped-def]
    staff, police, cases = opened
    kinds = db.session.scalars(
        select(Event.kind).where(Event.case_id == cases["pension"].id).order_by(Event.id)
    ).all()
    assert kinds == ["opened", "transition", "reevaluated"]
    assert verify_chains().problems == []


def test_statements_are_visible_to_cursor_listeners(db, app, opened):  # type: ignore[no-untyped-def]
    staff, police, cases = opened
    seen: list[str] = []

    def listen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        _submit(db, staff, cases["hukou"])
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert any("FROM transfer_case" in s for s in seen)  # the read
    assert any("UPDATE transfer_case" in s for s in seen)  # the versioned write
    assert verify_chains().problems == []


def test_driver_errors_come_back_as_sqlalchemy_errors(db, opened):  # type: ignore[no-untyped-def]
    staff, police, cases = opened
    hukou = cases["hukou"]
    conn = db.session.connection()
    second_open_task = {
        "case_id": hukou.id,
        "procedure": "hukou",
        "state": "application",
        "role": "village_staff",
        "jurisdiction_id": hukou.jurisdiction_id,
        "jurisdiction_path": hukou.jurisdiction_path,
        "due_on": NOW.date(),
        "created_at": NOW,
    }
    with pytest.raises(exc.IntegrityError):  # one open task per case
        _INSERT_TASK.execute(conn, second_open_task)
    db.session.rollback()
    # The connection is still good for the next statement.
    assert _READ_CASE.execute(db.session.connection(), {"case_id": hukou.id}).first().id == hukou.id
