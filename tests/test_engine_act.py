"""act() in the caller's transaction: refusals write nothing; of two steps on the same
case at once exactly one wins; a failure after the writes leaves nothing once the
caller rolls back; and events that are not transitions (a reminder, a claim) do not
make a clerk's open form stale, on the web or through the API."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.conftest import NOW, csrf_from, login, race
from tests.deadlines.conftest import china
from transfers.api.tokens import create_token
from transfers.cases.models import Case, Event
from transfers.cases.services import open_intake
from transfers.db import utcnow
from transfers.deadlines.sweep import sweep
from transfers.engine import (
    InvalidAction,
    Moved,
    NotFound,
    PermissionDenied,
    RuleViolation,
    StaleVersion,
    act,
    open_task,
)
from transfers.engine.verify import verify_chains
from transfers.tasks.models import Task
from workflows.roles import Role

SUBMIT = {"option": "site_address", "building": "3", "unit": "2", "door": "501"}
APPROVE = {"new_address": "幸福路88号3栋2单元501号", "registered_on": "2026-11-05"}


@pytest.fixture()
def people(db, make_user):  # type: ignore[no-untyped-def]
    return {
        "staff": make_user(Role.VILLAGE_STAFF, "411221100201"),
        "police": make_user(Role.POLICE_STATION, "411221100"),
        "other_staff": make_user(Role.VILLAGE_STAFF, "411221100202"),
    }


@pytest.fixture()
def new_case(db, people, make_household):  # type: ignore[no-untyped-def]
    def make() -> Case:
        hh = make_household()
        intake = open_intake(
            household=hh, requests=[(hh.members[0], "hukou")], actor=people["staff"], now=NOW
        )
        db.session.commit()
        return intake.cases[0]

    return make


def take(db, case_id: int, actor, action: str = "submit", data=SUBMIT, **kw) -> Moved:  # type: ignore[no-untyped-def]
    """act() and commit, as a clerk takes a step: no version seen and NOW, unless given."""
    kw.setdefault("seen_version", None)
    kw.setdefault("now", NOW)
    case = act(case_id=case_id, action=action, actor=actor, data=data, **kw)
    db.session.commit()
    return case


def written(db, case_id: int):  # type: ignore[no-untyped-def]
    """What a case's steps wrote, without ids and hashes."""
    db.session.expire_all()
    c = db.session.get(Case, case_id)
    events = db.session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id))
    tasks = db.session.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.id))
    return (
        (c.state, c.version, c.outcome, c.closed_at, c.data, c.person.facts),
        [(e.kind, e.action, e.from_state, e.to_state, e.reason, e.actor_id) for e in events],
        [(t.state, t.role, t.due_on, t.closed_at, t.close_action) for t in tasks],
    )


def counts(db):  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return tuple(
        db.session.scalar(select(func.count()).select_from(m)) for m in (Case, Task, Event)
    )


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
def test_refusals_write_nothing(db, people, new_case, who, version, action, data, error):  # type: ignore[no-untyped-def]
    case = new_case()
    before, was = written(db, case.id), counts(db)
    with pytest.raises(error):
        take(db, case.id, people[who], action, data, seen_version=case.version + version)
    db.session.rollback()
    assert written(db, case.id) == before and counts(db) == was


def test_unknown_case_is_not_found(db, people):  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        take(db, 987654, people["staff"])


def test_two_approvers_at_once_exactly_one_wins(app, db, people, new_case, make_user):  # type: ignore[no-untyped-def]
    case = new_case()
    ids = [people["staff"].id, make_user(Role.VILLAGE_STAFF, "411221100201").id]
    case_id, seen = case.id, case.version
    results = race(
        app,
        ids,
        lambda actor: act(
            case_id=case_id, action="submit", actor=actor, seen_version=seen, data=SUBMIT, now=NOW
        ),
    )
    assert results == ["stale", "won"], results
    transitions = db.session.scalar(
        select(func.count())
        .select_from(Event)
        .where(Event.case_id == case_id, Event.kind == "transition")
    )
    assert transitions == 1
    assert verify_chains().problems == []


def test_dependents_move_in_the_same_transaction(db, people, make_household):  # type: ignore[no-untyped-def]
    """Approving the hukou unblocks the person's pension case in the same transaction;
    a refused step writes nothing on the dependents either."""
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
        take(db, cases["hukou"], people["staff"], "submit", {"option": "site_address"})
    db.session.rollback()
    assert counts(db) == was
    take(db, cases["hukou"], people["staff"])
    later = NOW + timedelta(days=3)  # registered on the 5th
    take(db, cases["hukou"], people["police"], "approve", APPROVE, now=later)
    db.session.expire_all()
    pension = db.session.get(Case, cases["pension"])
    assert pension.state == "agency"
    texts = [e.data.get("text", "") for e in pension.events if e.kind == "reevaluated"]
    assert "因户口迁移（已落户）解除等待" in texts[-1]
    assert verify_chains().problems == []


def _between_read_and_write(app, monkeypatch, change) -> None:  # type: ignore[no-untyped-def]
    """Run `change(case_id)` in another transaction, committed, once act() has checked
    the step (read the case, asked the rules) and before it writes."""
    from transfers.engine import service

    check = service.check_step

    def then_another_transaction(case, *args, **kwargs):  # type: ignore[no-untyped-def]
        decided = check(case, *args, **kwargs)
        errors: list[BaseException] = []

        def other() -> None:
            with app.app_context():
                from transfers.extensions import db as other_db

                try:
                    change(case.id)
                    other_db.session.commit()
                except BaseException as e:  # noqa: BLE001 - reported below
                    errors.append(e)
                finally:
                    other_db.session.remove()

        t = threading.Thread(target=other)
        t.start()
        t.join(30)
        assert errors == []
        return decided

    monkeypatch.setattr(service, "check_step", then_another_transaction)


def test_a_step_that_went_stale_after_its_read_writes_nothing(  # type: ignore[no-untyped-def]
    app, db, people, new_case, monkeypatch
):
    case = new_case()
    was, before = counts(db), written(db, case.id)

    def bump(case_id: int) -> None:
        from transfers.extensions import db as other_db

        other_db.session.execute(
            update(Case).where(Case.id == case_id).values(version=Case.version + 1)
        )

    _between_read_and_write(app, monkeypatch, bump)
    with pytest.raises(StaleVersion):
        take(db, case.id, people["staff"])
    state, version, *rest = before[0]
    assert written(db, case.id) == ((state, version + 1, *rest), before[1], before[2])
    assert counts(db) == was


def test_an_event_recorded_between_read_and_write_is_chained_before_the_step(  # type: ignore[no-untyped-def]
    app, db, people, new_case, monkeypatch
):
    """Only the chain head moved (a note, not a transition): the step's events are
    chained onto the new head and the step goes through."""
    from transfers.engine.service import record_event

    case = new_case()
    seen = case.version

    def note(case_id: int) -> None:
        from transfers.extensions import db as other_db

        found = other_db.session.get(Case, case_id)
        record_event(found, actor=None, kind="note", now=NOW, reason="并发")

    _between_read_and_write(app, monkeypatch, note)
    done = take(db, case.id, people["staff"], seen_version=seen)
    assert (done.state, done.version) == ("police_review", seen + 1)
    kinds = [k for k, *_ in written(db, case.id)[1]]
    assert kinds[-2:] == ["note", "transition"]
    assert verify_chains().problems == []


def test_a_failure_after_the_writes_leaves_nothing(db, people, make_household, monkeypatch):  # type: ignore[no-untyped-def]
    """The hukou submission is written and its dependents re-evaluated; then the machine
    stops. The caller's rollback leaves every case, task and event as it was."""
    from transfers.engine import service

    hh = make_household(origin="140827203201", area="140827", members=1)
    intake = open_intake(
        household=hh,
        requests=[(hh.members[0], "hukou"), (hh.members[0], "pension")],
        actor=people["staff"],
        now=NOW,
    )
    db.session.commit()
    case_id = next(c.id for c in intake.cases if c.procedure == "hukou")
    before, was = written(db, case_id), counts(db)
    reevaluate = service.reevaluate_dependents

    def then_fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        reevaluate(*args, **kwargs)
        raise RuntimeError("the machine stops after the writes")

    monkeypatch.setattr(service, "reevaluate_dependents", then_fail)
    with pytest.raises(RuntimeError):
        take(db, case_id, people["staff"])
    db.session.rollback()
    assert written(db, case_id) == before and counts(db) == was
    monkeypatch.undo()
    take(db, case_id, people["staff"])  # and the case moves on as before
    assert written(db, case_id)[0][0] == "police_review"
    assert verify_chains().problems == []


def test_a_case_keeps_its_data_and_gains_only_what_a_step_records(db, people, new_case):  # type: ignore[no-untyped-def]
    case = new_case()
    before = written(db, case.id)[0][4]
    take(db, case.id, people["staff"])
    submitted = written(db, case.id)[0][4]
    assert before.items() <= submitted.items() and SUBMIT.items() <= submitted.items()
    take(db, case.id, people["police"], "return", {"reason": "材料不全，请补正"})
    state, _, _, _, data, _ = written(db, case.id)[0]
    assert state == "application" and data == submitted


REMINDER_DAY = china(2026, 11, 12)  # two working days before the first task's due date


def test_a_reminder_while_the_action_form_is_open_does_not_make_it_stale(  # type: ignore[no-untyped-def]
    app, db, people, new_case
):
    case = new_case()
    url = f"/cases/{case.id}/act/submit"
    client = app.test_client()
    login(client, people["staff"])
    page = client.get(url)
    assert page.status_code == 200
    seen = case.version
    assert sweep(REMINDER_DAY).escalations == {"reminder": 1}  # the once-a-minute sweep
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Case, case.id).version == seen
    form = {"csrf_token": csrf_from(page.get_data(as_text=True)), "version": seen, **SUBMIT}
    resp = client.post(url, data=form)
    assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
    kinds = [k for k, *_ in written(db, case.id)[1]]
    assert kinds[-2:] == ["reminder", "transition"]
    assert verify_chains().problems == []


def test_a_reminder_and_a_claim_before_an_api_step_do_not_make_it_stale(  # type: ignore[no-untyped-def]
    app, db, people, new_case
):
    case = new_case()
    _, secret = create_token(people["staff"], "test", now=utcnow())
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    client = app.test_client()
    seen = client.get(f"/api/v1/cases/{case.id}", headers=headers).json["version"]
    task = open_task(case)
    assert task is not None
    claimed = client.post(f"/api/v1/tasks/{task.id}/claim", headers=headers)
    assert claimed.status_code == 200 and claimed.json["case_version"] == seen
    sweep(REMINDER_DAY)
    db.session.commit()
    done = client.post(
        f"/api/v1/tasks/{task.id}/act",
        headers=headers,
        json={"action": "submit", "version": seen, "data": SUBMIT},
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.json["state"] == "police_review" and done.json["version"] == seen + 1
    kinds = [k for k, *_ in written(db, case.id)[1]]
    assert kinds[-3:] == ["claimed", "reminder", "transition"]
    assert verify_chains().problems == []


def test_events_recorded_at_once_with_a_step_keep_the_chain_and_the_step(  # type: ignore[no-untyped-def]
    app, db, people, new_case
):
    """Eight notes and a clerk's submission on the same case at the same moment, each in
    its own transaction: every note is kept, the submission is not stale (none of the
    notes is a transition), and the chain verifies."""
    from transfers.auth.models import User
    from transfers.engine.service import record_event
    from transfers.extensions import db as thread_db

    case = new_case()
    case_id, seen, staff_id = case.id, case.version, people["staff"].id
    barrier = threading.Barrier(9)
    outcomes: list[str] = []

    def note(i: int) -> None:
        with app.app_context():
            barrier.wait()
            found = thread_db.session.get(Case, case_id)
            record_event(found, actor=None, kind="note", now=NOW, reason=f"备注{i}")
            thread_db.session.commit()
            outcomes.append("note")
            thread_db.session.remove()

    def submit() -> None:
        with app.app_context():
            actor = thread_db.session.get(User, staff_id)
            assert actor is not None and actor.grants
            barrier.wait()
            try:
                take(thread_db, case_id, actor, seen_version=seen)
                outcomes.append("submitted")
            except StaleVersion:
                outcomes.append("stale")
            finally:
                thread_db.session.remove()

    threads = [threading.Thread(target=note, args=(i,)) for i in range(8)]
    threads.append(threading.Thread(target=submit))
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["note"] * 8 + ["submitted"]
    kinds = [k for k, *_ in written(db, case_id)[1]]
    assert kinds.count("note") == 8 and kinds.count("transition") == 1
    assert db.session.get(Case, case_id).version == seen + 1
    assert verify_chains().problems == []
