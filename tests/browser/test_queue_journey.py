"""Working the queue as offices do, at 1366×768 and on a 375×812 phone: search, the
user's own steps, both orders, the page after an action (naming the next office, back
button safe), 下一件, a suspended step, pages past the end, the diagram on a phone, and
the primary action of every main page on screen on a phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.browser.journeys import DESKTOP, login
from tests.browser.phone import PHONE_812, action_reachable, check_primary_actions
from transfers.auth.models import User
from transfers.cases.models import Case
from transfers.db import utcnow
from transfers.deadlines.suspension import suspend
from transfers.engine import act
from transfers.tasks.models import Task

DOCS_SHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "04-queue.png"
SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE_812], ids=["1366", "375"])


def _open_tasks(db: Any, username: str, procedure: str, state: str) -> list[Task]:
    user = db.session.scalar(select(User).where(User.username == username))
    paths = [g.jurisdiction.path for g in user.grants]
    return list(
        db.session.scalars(
            select(Task)
            .where(Task.closed_at.is_(None), Task.procedure == procedure, Task.state == state)
            .where(Task.jurisdiction_path.in_(paths))
            .order_by(Task.due_on, Task.id)
        )
    )


@SIZES
def test_search_steps_and_sort(live_server, page, demo, db, size):  # type: ignore[no-untyped-def]
    base = live_server
    page.set_viewport_size(size)
    login(page, base, "chengguan_police")
    page.goto(base + "/tasks/")
    # the police station acts on one step: only that one is offered
    options = page.locator("#step option").all_inner_texts()
    assert options == ["全部环节", "派出所审核办理"]
    task = _open_tasks(db, "chengguan_police", "hukou", "police_review")[0]
    case = db.session.get(Case, task.case_id)
    person = case.person
    for typed in (person.name, person.name_initials, person.id_number[-4:]):
        page.get_by_label("搜索").fill(typed)
        page.get_by_role("button", name="筛选").click()
        page.wait_for_url(re.compile(r"q="))
        links = page.locator("#queue-table").get_by_role("link", name="办理", exact=True)
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert f"/cases/{case.id}" in hrefs, typed
    if case.intake is not None:
        page.get_by_label("搜索").fill(case.intake.receipt_no.replace("-", ""))
        page.get_by_role("button", name="筛选").click()
        assert page.locator(f"#queue-table a[href='/cases/{case.id}']").count() == 1
    page.get_by_role("link", name="清除").first.click()
    page.get_by_label("排序").select_option("-due")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"sort=-due"))
    dues = page.locator("#queue-table tbody tr td:nth-child(6)").all_inner_texts()
    assert len(dues) > 1
    action = page.locator("#queue-table").get_by_role("link", name="办理", exact=True).first
    assert action_reachable(page, action) == ""
    if size is DESKTOP:
        page.goto(base + "/tasks/")
        page.screenshot(path=str(DOCS_SHOT))


@SIZES
def test_after_acting_next_and_back(live_server, page, demo, db, size):  # type: ignore[no-untyped-def]
    base = live_server
    page.set_viewport_size(size)
    tasks = _open_tasks(db, "xingfu_staff", "hukou", "application")
    assert len(tasks) >= 2
    login(page, base, "xingfu_staff")
    page.goto(base + "/tasks/?procedure=hukou&step=hukou:application")
    page.goto(f"{base}/cases/{tasks[0].case_id}")
    page.get_by_role("link", name="确认落户方式并转派出所").click()
    form_url = page.url
    page.get_by_label("落户方式").select_option("site_address")
    for label, value in (("楼栋号", "3"), ("单元号", "2"), ("门牌号", "501")):
        if page.get_by_label(label).input_value() == "":
            page.get_by_label(label).fill(value)
    page.get_by_role("button", name="确认落户方式并转派出所").click()
    page.wait_for_url(f"{base}/cases/{tasks[0].case_id}")
    said = page.locator("#acted").inner_text()
    assert "已办理：确认落户方式并转派出所" in said and "已转城关镇派出所办理" in said, said
    assert action_reachable(page, page.locator("#acted").get_by_role("link", name="下一件")) == ""
    # the back button to the form: no 403, the case page says the step is done
    page.go_back()
    page.wait_for_load_state("load")
    assert "没有访问该页面的权限" not in page.content()
    if page.url == form_url:  # served again rather than from the back-forward cache
        page.reload()
    page.wait_for_url(f"{base}/cases/{tasks[0].case_id}")
    assert "该环节已办理" in page.content()
    # 下一件: the next of the same filter and order
    page.goto(f"{base}/tasks/next")
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    assert page.url == f"{base}/cases/{tasks[1].case_id}"
    assert page.get_by_role("link", name="确认落户方式并转派出所").count() == 1


@SIZES
def test_paused_step_and_page_past_the_end(live_server, page, demo, db, size):  # type: ignore[no-untyped-def]
    base = live_server
    page.set_viewport_size(size)
    task = _open_tasks(db, "xingfu_staff", "hukou", "application")[0]
    staff = db.session.scalar(select(User).where(User.username == "xingfu_staff"))
    suspend(task, actor=staff, reason="等待户口簿原件", now=utcnow())
    db.session.commit()
    login(page, base, "xingfu_staff")
    page.goto(base + "/tasks/")
    # the clerk's own steps, of several procedures; choosing one narrows the list
    assert page.locator("#step option").count() > 3
    page.get_by_label("事项").select_option("hukou")
    shown = page.locator("#step option:not([hidden])").all_inner_texts()
    assert shown == ["全部环节", "户口迁移·受理登记"]
    page.get_by_label("环节").select_option("hukou:application")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"step=hukou%3Aapplication|step=hukou:application"))
    row = page.locator("#queue-table tbody tr").filter(
        has=page.locator(f"a[href='/cases/{task.case_id}']")
    )
    assert row.locator("[data-paused]").inner_text().strip() == "⏸ 暂停"
    assert "● 正常" not in row.inner_text()
    resp = page.goto(base + "/tasks/?page=9999")
    assert resp.status == 200
    assert page.locator("#queue-table tbody tr").count() > 0
    active = page.locator(".pagination .active")
    if active.count():
        assert active.inner_text() == page.locator(".pagination .page-link").nth(-2).inner_text()


@SIZES
def test_diagram_fits_or_becomes_a_step_list(live_server, page, demo, db, size):  # type: ignore[no-untyped-def]
    base = live_server
    page.set_viewport_size(size)
    task = _open_tasks(db, "xingfu_staff", "hukou", "application")[0]
    login(page, base, "xingfu_staff")
    page.goto(f"{base}/cases/{task.case_id}")
    steps, drawn = page.locator("#step-list"), page.locator(".state-diagram")
    if size is DESKTOP:
        assert drawn.is_visible() and not steps.is_visible()
        page.wait_for_selector(".state-diagram svg")
    else:
        assert steps.is_visible() and not drawn.is_visible()
        current = steps.locator("li.current")
        assert current.count() == 1 and "受理登记" in current.inner_text()
        assert steps.locator("li").count() >= 3


def test_primary_action_of_every_main_page_on_a_phone(live_server, page, demo, db):  # type: ignore[no-untyped-def]
    base = live_server
    task = _open_tasks(db, "xingfu_staff", "hukou", "application")[0]
    case = db.session.get(Case, task.case_id)
    staff = db.session.scalar(select(User).where(User.username == "xingfu_staff"))
    done = _open_tasks(db, "xingfu_staff", "hukou", "application")[1]
    act(
        case_id=done.case_id,
        action="decline",
        actor=staff,
        seen_version=done.case.version,
        data={"residence_permit": "y", "note": "本人自愿保留原籍户口"},
        now=utcnow(),
    )
    db.session.commit()
    login(page, base, "xingfu_staff")
    check_primary_actions(
        page,
        {
            "done": (
                base + "/tasks/done",
                lambda p: p.get_by_role("link", name="查看", exact=True),
            ),
            "sites": (base + "/sites/", lambda p: p.get_by_role("link", name="查看", exact=True)),
            "home": (base + "/", lambda p: p.get_by_role("link", name="进入待办")),
            "queue": (base + "/tasks/", lambda p: p.get_by_role("link", name="办理", exact=True)),
            "households": (
                base + "/households/",
                lambda p: p.get_by_role("link", name="查看", exact=True),
            ),
            "household": (
                f"{base}/households/{case.household_id}",
                lambda p: p.get_by_role("button", name="确认受理并生成回执"),
            ),
            "household-case": (
                f"{base}/households/{case.household_id}",
                lambda p: p.get_by_role("link", name="查看", exact=True).first,
            ),
            "case": (
                f"{base}/cases/{case.id}",
                lambda p: p.get_by_role("link", name="确认落户方式并转派出所"),
            ),
        },
    )
    # the check fails where it should: the queue as a plain table (its old layout)
    page.goto(base + "/tasks/")
    page.evaluate("() => document.querySelector('#queue-table').classList.remove('table-cards')")
    assert "off screen" in action_reachable(page, page.get_by_role("link", name="办理", exact=True))
    page.context.clear_cookies()
    login(page, base, "mianchi_lead")
    check_primary_actions(
        page,
        {
            "dashboard": (
                base + "/supervision/",
                lambda p: p.locator("#overdue-rows").get_by_role("link", name="查看", exact=True),
            ),
            "overdue": (
                base + "/tasks/overdue",
                lambda p: p.get_by_role("link", name="查看", exact=True),
            ),
            "problems": (
                base + "/supervision/ledgers/problems",
                lambda p: p.locator("table .btn").first,
            ),
            "work-ledger": (
                base + "/supervision/ledgers/work",
                lambda p: p.locator("table tbody a").first,
            ),
        },
    )
    page.context.clear_cookies()
    check_primary_actions(
        page, {"lookup": (base + "/query/", lambda p: p.get_by_role("button", name="查询"))}
    )
