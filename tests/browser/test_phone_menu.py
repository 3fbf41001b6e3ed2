"""On a phone the menu folds behind its button: an official opens it, goes to a page
from it, opens it again and signs out from it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.journeys import PHONE
from tests.browser.test_hukou_journey import login
from workflows.roles import Role

# Bootstrap's collapse is "collapsing" while it opens and "collapse show" once open.
OPEN = re.compile(r"(^|\s)show(\s|$)")


def open_menu(page) -> None:  # type: ignore[no-untyped-def]
    """Tap the menu button and wait, as a person does, until the menu has opened."""
    page.get_by_role("button", name="展开菜单").click()
    expect(page.locator("#nav")).to_have_class(OPEN)


def test_phone_menu_goes_to_a_page_and_signs_out(live_server, page, make_user):  # type: ignore[no-untyped-def]
    base = live_server
    make_user(Role.VILLAGE_STAFF, "411221100201", username="phone_staff")
    page.set_viewport_size(PHONE)
    login(page, base, "phone_staff")
    menu = page.locator("#nav")
    expect(menu.get_by_role("button", name="退出")).to_be_hidden()  # folded away

    open_menu(page)
    menu.get_by_role("link", name="待办", exact=True).click()
    page.wait_for_url(base + "/tasks/")
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()

    open_menu(page)
    with page.expect_navigation():
        menu.get_by_role("button", name="退出").click()
    expect(page.get_by_label("用户名")).to_be_visible()
    page.goto(base + "/tasks/")  # signed out: the queue asks for a login again
    expect(page.get_by_label("用户名")).to_be_visible()
