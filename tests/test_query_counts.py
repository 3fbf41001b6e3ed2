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
        intake = open_intake(
            household=hh, requests=[(p, "hukou") for p in hh.members], actor=staff, now=NOW
        )
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


def test_overdue_dashboard_does_not_grow_with_rows_or_offices(app, db, make_user, make_household):
    from datetime import date

    from transfers.deadlines.models import Escalation

    lead = make_user(Role.COUNTY_SUPERVISOR, "411221")
    c = app.test_client()
    login(c, lead)
    villages = ["411221100201", "411221100202", "411221101201"]
    staff = [make_user(Role.VILLAGE_STAFF, v) for v in villages]

    def overdue(n: int) -> None:
        for i in range(n):
            hh = make_household(destination=villages[i % 3], members=1, settlement_mode="scattered")
            intake = open_intake(
                household=hh, requests=[(hh.members[0], "hukou")], actor=staff[i % 3], now=NOW
            )
            task = open_task(intake.cases[0])
            task.due_on = date(2026, 1, 5 + i)
            db.session.add(
                Escalation(
                    task_id=task.id,
                    case_id=task.case_id,
                    level="township",
                    at=NOW,
                    due_on=task.due_on,
                    to_role="township_supervisor",
                    to_path="x/",
                )
            )
        db.session.commit()

    overdue(1)
    counts = []
    for more in (0, 11):
        overdue(more)
        with counting(db.engine) as calls:
            resp = c.get("/supervision/")
        assert resp.status_code == 200
        assert ("阳光社区" in resp.get_data(as_text=True)) == bool(more)  # a second office
        counts.append(calls["n"])
    assert counts[0] == counts[1], counts


def test_resident_lookup_does_not_grow_with_the_household(app, db, make_user, make_household):
    import re

    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    counts = []
    for members in (1, 4):
        hh = make_household(members=members)
        intake = open_intake(
            household=hh, requests=[(p, "hukou") for p in hh.members], actor=staff, now=NOW
        )
        db.session.commit()
        c = app.test_client()
        token = re.search(
            r'name="csrf_token"[^>]*value="([^"]+)"', c.get("/query/").get_data(as_text=True)
        )
        form = {
            "csrf_token": token.group(1),
            "receipt_no": intake.receipt_no,
            "id_tail": hh.members[0].id_number[-4:],
        }
        with counting(db.engine) as calls:
            resp = c.post("/query/", data=form)
        assert "办理进度" in resp.get_data(as_text=True)
        counts.append(calls["n"])
    assert counts[0] == counts[1], counts
