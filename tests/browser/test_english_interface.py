"""The English interface in a real browser: switch language, the ID number check as typed."""

from __future__ import annotations

from tests.conftest import PASSWORD, make_id
from workflows.roles import Role


def test_staff_switches_to_english_and_the_id_check_follows(live_server, page, make_user, geo):
    base = live_server
    make_user(Role.VILLAGE_STAFF, "411221100201", username="xingfu_staff")
    page.goto(base + "/login")
    page.get_by_role("button", name="English").click()
    page.get_by_label("Username").fill("xingfu_staff")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")
    page.get_by_role("link", name="Register a household").first.click()
    good = make_id(seq=1)
    page.locator("#members-0-id_number").fill(good[:-1] + ("1" if good[-1] == "0" else "0"))
    page.wait_for_selector(".idcheck.bad")
    assert page.locator(".idcheck").first.inner_text() == "Wrong check digit, please verify"
    page.locator("#members-0-id_number").fill(good)
    page.wait_for_selector(".idcheck.ok")
    assert page.locator(".idcheck").first.inner_text().startswith("Valid number: born 1980-1-1, ")
    page.get_by_role("button", name="中文").click()
    page.get_by_role("heading", name="登记新搬迁户").wait_for()
    page.locator("#members-0-id_number").fill(good)
    page.wait_for_selector(".idcheck.ok")
    assert page.locator(".idcheck").first.inner_text().startswith("号码有效：1980年1月1日出生，")
