"""No N+1 queries: a page costs the same number of queries for 2 rows as for 20."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from tests.conftest import NOW, login
from transfers.cases.services import open_intake
from transfers.engine import claim, open_task, release
from workflows.roles import Role


@contextmanager
def counting(engine):  # type: ignore[no-untyped-def]
    calls = {"n": 0}

    def count(*_args):  # type: ignore[no-untyped-def]
        calls["n"] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield calls
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _cases(db, make_household, staff, n):  # type: ignore[no-untyped-def]
    cases = []
    for _ in range(n):
        hh = make_household(members=2)
        intake = open_intake(household=hh, requests=[(p, "hukou") for p in hh.members], actor=staff, now=NOW)
        cases.extend(intake.cases)
    db.session.commit()
    return cases


def test_queue_and_lists_do_not_grow_with_rows(app, db, make_user, make_household):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    c = app.test_client()
    login(c, staff)
    _cases(db, make_household, staff, 1)
    counts = {}
    for label in ("few", "many"):
        if label == "many":
            _cases(db, make_household, staff, 9)
        counts[label] = {}
        for url in ("/tasks/", "/households/", "/"):
            with counting(db.engine) as calls:
                assert c.get(url).status_code == 200
            counts[label][url] = calls["n"]
    assert counts["few"] == counts["many"], counts


def test_case_page_does_not_grow_with_its_history(app, db, make_user, make_household):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    case = _cases(db, make_household, staff, 1)[0]
    c = app.test_client()
    login(c, staff)
    with counting(db.engine) as calls:
        c.get(f"/cases/{case.id}")
    few = calls["n"]
    task = open_task(case)
    for _ in range(8):
        claim(task_id=task.id, actor=staff, now=NOW)
        release(task_id=task.id, actor=staff, now=NOW)
    db.session.commit()
    with counting(db.engine) as calls:
        c.get(f"/cases/{case.id}")
    assert calls["n"] == few, (few, calls["n"])
