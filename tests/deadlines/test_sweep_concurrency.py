"""A case that gains an event or moves between the sweep's read of its due tasks and
its writes: escalated exactly once (or not at all if the task closed), neither event
lost nor chain forked."""

from __future__ import annotations

import threading

from sqlalchemy import select

from tests.deadlines.conftest import china
from transfers.cases.models import Case, Event
from transfers.deadlines import sweep as sweep_module
from transfers.deadlines.models import Escalation
from transfers.engine.verify import verify_chains


def _between_read_and_write(app, monkeypatch, step) -> list[int]:  # type: ignore[no-untyped-def]
    """Run `step(case_id)` in another transaction, committed, right after the sweep's
    first read of a batch's tasks (before it writes anything)."""
    original = sweep_module._tasks
    calls: list[int] = []

    def tasks(ids):  # type: ignore[no-untyped-def]
        found = original(ids)
        if not calls:
            calls.append(1)
            errors: list[BaseException] = []

            def other() -> None:
                with app.app_context():
                    from transfers.extensions import db

                    try:
                        for case_id in sorted({t.case_id for t in found}):
                            step(case_id)
                        db.session.commit()
                    except BaseException as e:  # noqa: BLE001 - reported below
                        db.session.rollback()
                        errors.append(e)
                    finally:
                        db.session.remove()

            t = threading.Thread(target=other)
            t.start()
            t.join(30)
            assert errors == []
        return found

    monkeypatch.setattr(sweep_module, "_tasks", tasks)
    return calls


def test_a_case_moved_between_read_and_write_is_escalated_once(app, db, office, monkeypatch):
    from transfers.engine.service import record_event
    from transfers.extensions import db as ext_db

    case_id = office["case"].id
    version = office["case"].version

    def note(cid: int) -> None:
        case = ext_db.session.get(Case, cid)
        record_event(case, actor=None, kind="note", now=china(2026, 11, 20), reason="并发")

    calls = _between_read_and_write(app, monkeypatch, note)
    result = sweep_module.sweep(china(2026, 12, 1))
    db.session.commit()
    assert calls == [1]
    assert result.escalations == {"township": 1, "district": 1} and result.problems == 1
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Escalation.level))) == ["district", "township"]
    kinds = list(
        db.session.scalars(select(Event.kind).where(Event.case_id == case_id).order_by(Event.id))
    )
    assert kinds.count("note") == 1  # the concurrent event is kept
    assert kinds[-3:] == ["township", "problem_opened", "district"]
    # Neither the note nor the sweep's events are transitions: the version stays.
    assert db.session.get(Case, case_id).version == version
    assert verify_chains().problems == []


def test_a_task_closed_between_read_and_write_is_not_escalated(app, db, office, monkeypatch):
    from transfers.engine import act
    from transfers.extensions import db as ext_db

    task_id = office["task"].id
    staff_id = office["staff"].id

    def submit(cid: int) -> None:
        from transfers.auth.models import User

        case = ext_db.session.get(Case, cid)
        act(
            case_id=cid,
            action="submit",
            actor=ext_db.session.get(User, staff_id),
            seen_version=case.version,
            data={"option": "site_address", "building": "3", "unit": "2", "door": "501"},
            now=china(2026, 11, 20),
        )

    _between_read_and_write(app, monkeypatch, submit)
    sweep_module.sweep(china(2026, 11, 20, 12))
    db.session.commit()
    db.session.expire_all()
    assert task_id not in db.session.scalars(select(Escalation.task_id)).all()
    assert verify_chains().problems == []
