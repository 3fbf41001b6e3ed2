"""Approver journey on the demo county (城关镇派出所): my queue sorted by due date and
filtered by procedure and state, with lateness; claim a task (a colleague sees it
claimed and cannot act), act with the state's form, release a claim. Acting on a list
(a vote session) is tests/browser/test_membership_vote_session.py."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import shot
from tests.browser.journeys import check_widths, login
from transfers.auth.models import User
from transfers.auth.services import create_user
from transfers.demo_county import DEMO_PASSWORD
from transfers.jurisdictions.models import Jurisdiction
from workflows.roles import Role

CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def _due_dates(page) -> list[date]:  # type: ignore[no-untyped-def]
    cells = page.locator("table tbody tr td:nth-child(6)").all_inner_texts()
    return [date(*map(int, CN_DATE.search(c).groups())) for c in cells]  # type: ignore[union-attr]


def test_approver_queue_claim_act_release(live_server, page, browser, demo, db):
    base = live_server
    chengguan = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "411221100"))
    create_user(
        "chengguan_police_b", "城关派出所民警乙", DEMO_PASSWORD, [(Role.POLICE_STATION, chengguan)]
    )
    db.session.commit()
    me = db.session.scalar(select(User).where(User.username == "chengguan_police"))

    login(page, base, "chengguan_police")
    page.get_by_role("link", name="进入待办").click()
    dues = _due_dates(page)
    assert len(dues) > 1 and dues == sorted(dues)  # due date first
    assert page.locator("table .light-red").count() > 0  # shows how late
    assert re.search(r"超期\d+", page.locator("table").inner_text())
    shot(page, "70-approver-queue")

    page.get_by_label("事项").select_option("hukou")
    page.get_by_label("环节").select_option("hukou:police_review")
    page.get_by_label("排序").select_option("-due")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"procedure=hukou"))
    rows = page.locator("table tbody tr")
    assert rows.count() > 1
    for text in rows.all_inner_texts():
        assert "户口迁移" in text and "派出所审核办理" in text
    dues = _due_dates(page)
    assert dues == sorted(dues, reverse=True)

    # claim the most urgent one from the queue
    page.get_by_label("排序").select_option("due")
    page.get_by_role("button", name="筛选").click()
    first = page.locator("table tbody tr").first
    first.get_by_role("button", name="认领").click()
    page.wait_for_selector("text=已认领")
    first = page.locator("table tbody tr").first
    assert me.display_name in first.inner_text()
    first.get_by_role("link", name="办理").click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    case_url = page.url

    # a colleague of the same station sees it claimed and cannot act on it
    other_context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    other = other_context.new_page()
    try:
        login(other, base, "chengguan_police_b")
        other.goto(case_url)
        assert me.display_name in other.locator("dl").first.inner_text()
        assert other.get_by_role("button", name="认领").count() == 0
        assert other.get_by_role("link", name="办结：准予落户").count() == 0
        shot(other, "71-approver-claimed-by-colleague")
    finally:
        other_context.close()

    # act with the form of the state (address pre-filled from the application)
    page.get_by_role("link", name="办结：准予落户").click()
    assert page.get_by_label("登记户籍地址").input_value() != ""
    shot(page, "72-approver-act-form")
    page.get_by_role("button", name="办结：准予落户").click()
    page.wait_for_url(case_url)
    assert "已落户" in page.content()

    # claim another task on its case page, then release the claim
    page.goto(base + "/tasks/?procedure=hukou&state=police_review")
    page.locator("table tbody tr").first.get_by_role("link", name="办理").click()
    page.get_by_role("button", name="认领").click()
    page.wait_for_selector("text=已认领")
    page.get_by_role("button", name="释放认领").click()
    page.wait_for_selector("text=已释放认领")
    assert "未认领" in page.locator("dl").first.inner_text()
    assert page.get_by_role("button", name="认领").count() == 1

    page.get_by_role("link", name="已办").first.click()
    expect(page.locator("table")).to_contain_text("户口迁移")

    check_widths(
        page,
        {"queue": base + "/tasks/", "done": base + "/tasks/done", "case": case_url},
        "73-approver",
    )
