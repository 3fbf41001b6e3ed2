"""Administrator journey on the demo county: give a township office an import grant and
revoke it, on a desktop (1366×768) and on a phone (375×812, the primary action on screen
without sideways scrolling); the office phones page fits both."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.browser.journeys import DESKTOP, check_widths, login
from tests.browser.phone import PHONE_812, action_reachable


def _give_and_revoke(page: Any, username: str, name: str) -> None:
    """On the import-grants page: give `username` a grant, see it listed, revoke it."""
    give = page.get_by_role("button", name="授权导入")
    assert action_reachable(page, give) == "", f"{name}: give"
    option = page.locator("#office option", has_text=username)
    page.locator("#office").select_option(option.first.get_attribute("value"))
    give.click()
    page.wait_for_selector("text=已授权导入")
    listed = page.locator("#import-grants li", has_text=username)
    expect(listed).to_contain_text("城关镇（411221100）")
    expect(listed).to_contain_text("由系统管理员授权")
    shot(page, f"56-admin-import-grant-{name}")
    revoke = listed.get_by_role("button", name="撤销")
    assert action_reachable(page, revoke) == "", f"{name}: revoke"
    page.once("dialog", lambda d: d.accept())
    revoke.click()
    page.wait_for_selector("text=已撤销导入授权")
    expect(page.locator("#import-grants li", has_text=username)).to_have_count(0)


def test_admin_gives_and_revokes_an_import_grant_on_desktop_and_phone(live_server, page, demo):  # type: ignore[no-untyped-def]
    base = live_server
    login(page, base, "admin")
    page.get_by_role("link", name="系统管理").click()
    page.get_by_role("link", name="导入授权").click()
    expect(page.locator("h1")).to_have_text("导入授权")
    _give_and_revoke(page, "chengguan_gov", "desktop")

    page.set_viewport_size(PHONE_812)
    page.goto(base + "/admin/offices/import-grants")
    _give_and_revoke(page, "chengguan_gov", "phone")

    # office phones: a wrong number is refused with its reason and stays typed
    page.set_viewport_size(DESKTOP)
    page.goto(base + "/admin/users")
    page.get_by_role("link", name="咨询电话").click()
    page.get_by_label("单位名称或区划代码").fill("城关镇")
    page.get_by_role("button", name="查找").click()
    row = page.locator("#office-phones li", has_text="城关镇").first
    row.get_by_role("textbox").fill("4811025")
    row.get_by_role("button", name="保存").click()
    expect(page.locator("body")).to_contain_text("格式不正确")
    row = page.locator("#office-phones li", has_text="城关镇").first
    assert row.get_by_role("textbox").input_value() == "4811025"
    row.get_by_role("textbox").fill("0398 4811026")
    row.get_by_role("button", name="保存").click()
    page.wait_for_selector("text=已保存城关镇的电话")
    row = page.locator("#office-phones li", has_text="城关镇").first
    assert row.get_by_role("textbox").input_value() == "0398-4811026"

    page.set_viewport_size(PHONE_812)
    page.goto(base + "/admin/offices/phones")
    save = page.locator("#office-phones").get_by_role("button", name="保存")
    assert action_reachable(page, save) == ""
    check_widths(
        page,
        {
            "users": base + "/admin/users",
            "import-grants": base + "/admin/offices/import-grants",
            "phones": base + "/admin/offices/phones",
        },
        "57-admin-offices",
    )
