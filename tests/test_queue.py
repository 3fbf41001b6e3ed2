"""The queue: search, the user's own steps, both orders, 下一件, suspended steps, pages
past the end, and what the page after an action says (and the back button to its form)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from tests.conftest import NOW, login, post_form
from tests.test_api import token_for
from tests.test_exports import sheet
from transfers.cases.services import open_intake
from transfers.deadlines.suspension import suspend
from transfers.engine import act
from transfers.extensions import db as _db
from transfers.tasks.filters import QueueFilter, receipt_number, user_steps
from transfers.tasks.models import Task
from transfers.tasks.services import filtered_queue, next_task
from workflows.roles import Role

SUBMIT = {"option": "site_address", "building": "3", "unit": "2", "door": "501"}


@pytest.fixture()
def world(app, db, make_user, make_household):  # type: ignore[no-untyped-def]
    """Three households of two, a hukou case for each person: six tasks of the village."""
    staff = make_user(Role.VILLAGE_STAFF, "411221100201", username="clerk")
    police = make_user(Role.POLICE_STATION, "411221100", username="police")
    intakes = []
    for _ in range(3):
        hh = make_household(members=2)
        intakes.append(
            open_intake(
                household=hh,
                requests=[(m, "hukou") for m in hh.members],
                actor=staff,
                now=NOW,
            )
        )
    db.session.commit()
    tasks = db.session.scalars(select(Task).order_by(Task.id)).all()
    for i, t in enumerate(tasks):  # due dates spread, the first due last
        t.due_on = NOW.date() + timedelta(days=10 - i)
    db.session.commit()
    return {"staff": staff, "police": police, "intakes": intakes, "tasks": tasks}


def names(user, f):  # type: ignore[no-untyped-def]
    return [t.id for t in _db.session.scalars(filtered_queue(user, f))]


def test_search_by_name_initials_receipt_and_last_four(world):
    staff, tasks = world["staff"], world["tasks"]
    first = world["intakes"][0]
    person = first.cases[0].person
    assert names(staff, QueueFilter(q=person.name)) == [
        t.id for t in reversed(tasks) if t.case.person.name == person.name
    ]
    by_initials = names(staff, QueueFilter(q=person.name_initials.upper()))
    assert first.cases[0].id in {_db.session.get(Task, i).case_id for i in by_initials}
    receipt = first.receipt_no
    expected = sorted(t.id for t in tasks if t.case.intake_id == first.id)
    assert sorted(names(staff, QueueFilter(q=receipt))) == expected
    assert sorted(names(staff, QueueFilter(q=receipt.replace("-", "")))) == expected
    assert receipt_number(receipt.replace("-", "")) == receipt
    last_four = person.id_number[-4:]
    assert [
        _db.session.get(Task, i).case.person_id for i in names(staff, QueueFilter(q=last_four))
    ] == [person.id]
    assert names(staff, QueueFilter(q="没有这个人")) == []


def test_steps_are_only_the_users_own(world):
    police_steps = user_steps(world["police"])
    assert [(s.procedure, s.state) for s in police_steps] == [("hukou", "police_review")]
    staff_steps = {s.key for s in user_steps(world["staff"])}
    assert "hukou:application" in staff_steps and "hukou:police_review" not in staff_steps
    # a step of another role in the address bar is left out, not obeyed
    f = QueueFilter.from_args({"step": "hukou:police_review", "sort": "bogus"}, world["staff"])
    assert f.step == "" and f.sort == "due"


def test_sort_both_ways_and_next_task(world):
    staff, tasks = world["staff"], world["tasks"]
    by_due = names(staff, QueueFilter(sort="due"))
    assert by_due == [t.id for t in reversed(tasks)]
    assert names(staff, QueueFilter(sort="-due")) == [t.id for t in tasks]
    middle = _db.session.get(Task, by_due[2])
    assert next_task(staff, QueueFilter(sort="due"), middle).id == by_due[3]
    assert next_task(staff, QueueFilter(sort="-due"), middle).id == by_due[1]
    last = _db.session.get(Task, by_due[-1])
    assert next_task(staff, QueueFilter(sort="due"), last).id == by_due[0]  # wraps round
    # someone else's claim is not offered as 下一件
    _db.session.get(Task, by_due[3]).claimed_by_id = world["police"].id
    _db.session.commit()
    assert next_task(staff, QueueFilter(sort="due"), middle).id == by_due[4]


def test_page_past_the_end_shows_the_last_page(app, world):
    c = app.test_client()
    login(c, world["staff"])
    resp = c.get("/tasks/?page=99")
    assert resp.status_code == 200 and "共 6 条" in resp.get_data(as_text=True)
    assert c.get("/tasks/done?page=7").status_code == 200
    assert c.get("/tasks/?page=abc").status_code == 200


def test_suspended_step_shows_paused_with_the_moved_due_date(app, world):
    staff, task = world["staff"], world["tasks"][0]
    task.due_on = NOW.date()
    suspend(task, actor=staff, reason="等待户口簿", now=NOW - timedelta(days=14))
    _db.session.commit()
    c = app.test_client()
    login(c, staff)
    html = c.get(f"/tasks/?q={world['intakes'][0].receipt_no}").get_data(as_text=True)
    row = html[html.index(f'/cases/{task.case_id}"') - 2500 : html.index(f'/cases/{task.case_id}"')]
    assert "data-paused" in row and "● 正常" not in row and "超期" not in row
    assert "（已顺延）" in row
    case_page = c.get(f"/cases/{task.case_id}").get_data(as_text=True)
    current = case_page[case_page.index("当前状态") : case_page.index("计时与督办")]
    assert "data-paused" in current and "● 正常" not in current and "（已顺延）" in current
    # the export says what the row says: paused, with the moved due date
    moved = re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*<span[^>]*>（已顺延）", row)
    assert moved is not None
    rows = sheet(c.get("/exports/tasks.xlsx", query_string={"q": world["intakes"][0].receipt_no}))
    (exported,) = [r for r in rows[1:] if "暂停" in r[7]]  # of the family's two steps
    y, m, d = (int(x) for x in moved.groups())
    assert exported[6] == f"{y:04d}-{m:02d}-{d:02d}" != task.due_on.isoformat()
    assert exported[7].startswith("暂停计时") and "超期" not in exported[7]


def test_after_acting_the_page_names_the_next_office_and_back_does_not_403(app, world):
    staff = world["staff"]
    case = world["intakes"][0].cases[0]
    c = app.test_client()
    login(c, staff)
    c.get("/tasks/?sort=-due")  # the queue the clerk works from
    url = f"/cases/{case.id}/act/submit"
    resp = post_form(c, url, {**SUBMIT, "version": case.version})
    assert resp.status_code == 303 and resp.headers["Location"] == f"/cases/{case.id}"
    landed = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已转城关镇派出所办理" in landed and "下一件" in landed
    back = c.get(url)  # the browser's back button to the form
    assert back.status_code == 303 and back.headers["Location"] == f"/cases/{case.id}"
    assert "该环节已办理" in c.get(back.headers["Location"]).get_data(as_text=True)
    nxt = c.get("/tasks/next")
    assert nxt.status_code == 303
    # the finished task was due last: in the clerk's latest-first order the next is the
    # one due just before it (oldest-first it would wrap round to the one due soonest)
    assert nxt.headers["Location"] == f"/cases/{world['tasks'][1].case_id}"


def test_next_with_nothing_left_goes_back_to_the_queue(app, world):
    staff = world["staff"]
    for t in world["tasks"]:
        act(
            case_id=t.case_id,
            action="submit",
            actor=staff,
            seen_version=t.case.version,
            data=SUBMIT,
            now=NOW,
        )
    _db.session.commit()
    c = app.test_client()
    login(c, staff)
    resp = c.get("/tasks/next")
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/tasks/")
    assert "没有其他待办事项" in c.get(resp.headers["Location"]).get_data(as_text=True)


def test_lists_past_their_last_page_show_it(app, world, make_user):
    c = app.test_client()
    login(c, world["staff"])
    html = c.get("/households/?page=50").get_data(as_text=True)
    assert "共 3 条" in html and "王*国" in html
    lead = make_user(Role.COUNTY_SUPERVISOR, "411221")
    s = app.test_client()
    login(s, lead)
    assert s.get("/supervision/ledgers/work?page=80").status_code == 200
    assert s.get("/supervision/ledgers/problems?page=80").status_code == 200


def test_the_export_has_the_rows_the_queue_shows(app, world):
    """The page's 导出Excel link carries its search box, step and order: the file lists the
    same tasks in the same order, and a search narrows both."""
    staff, tasks = world["staff"], world["tasks"]
    c = app.test_client()
    login(c, staff)
    receipt = world["intakes"][0].receipt_no
    step = user_steps(staff)[0].key
    for asked in ({}, {"q": receipt, "sort": "-due"}, {"q": receipt, "step": step}):
        html = c.get("/tasks/", query_string=asked).get_data(as_text=True)
        shown = [int(i) for i in re.findall(r'href="/cases/(\d+)"', html)]
        link = re.search(r'href="(/exports/tasks\.xlsx[^"]*)"', html)
        assert link is not None
        rows = sheet(c.get(unescape(link.group(1))))[1:]
        by_case = {t.case_id: t for t in tasks}
        assert [r[6] for r in rows] == [by_case[i].due_on.isoformat() for i in shown]
        assert len(shown) == (2 if asked else 6)
    assert len(sheet(c.get("/exports/tasks.xlsx", query_string={"q": "没有这个人"}))) == 1


def test_the_api_queue_searches_and_sorts_as_the_page_does(client, world):
    """GET /api/v1/tasks takes the page's search box and order: the same tasks come back."""
    staff = world["staff"]
    auth = token_for(_db, staff)
    receipt = world["intakes"][0].receipt_no
    for asked in ({}, {"q": receipt}, {"q": receipt.replace("-", ""), "sort": "-due"}):
        got = client.get("/api/v1/tasks", query_string=asked, headers=auth).json
        f = QueueFilter(q=asked.get("q", ""), sort=asked.get("sort", "due"))
        assert [t["id"] for t in got["items"]] == names(staff, f)
        assert got["total"] == (2 if asked else 6)
    last_four = world["intakes"][1].cases[0].person.id_number[-4:]
    got = client.get("/api/v1/tasks", query_string={"q": last_four}, headers=auth).json
    assert [t["case_id"] for t in got["items"]] == [world["intakes"][1].cases[0].id]
    bad = client.get("/api/v1/tasks", query_string={"sort": "name"}, headers=auth)
    assert bad.status_code == 422 and bad.content_type == "application/problem+json"
