"""Shared steps of the journey tests: the demo county, logins, the phone-width check."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import shot
from transfers.demo_county import DEMO_PASSWORD

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1366, "height": 768}


def login(page: Any, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/")


def logout(page: Any) -> None:
    page.get_by_role("button", name="退出").click()


def overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scrolling)."""
    return int(
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


def check_widths(page: Any, urls: dict[str, str], prefix: str) -> None:
    """Each page fits a 375 px phone and a 1366×768 screen; screenshots at 1366×768."""
    too_wide = {}
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        for name, url in urls.items():
            page.goto(url)
            page.wait_for_load_state("load")
            if (px := overflow(page)) > 0:
                too_wide[f"{name}@{size['width']}"] = px
            if size is DESKTOP:
                shot(page, f"{prefix}-{name}")
    assert too_wide == {}, f"horizontal overflow (px): {too_wide}"


def fill_member(
    page: Any,
    row: int,
    relation: str,
    pension: str = "contributing",
    medical: str = "resident",
) -> None:
    """The choices of a member row the registration form leaves empty until chosen."""
    page.locator(f"#members-{row}-relation").select_option(relation)
    page.locator(f"#members-{row}-pension_status").select_option(pension)
    page.locator(f"#members-{row}-medical_insurance").select_option(medical)
