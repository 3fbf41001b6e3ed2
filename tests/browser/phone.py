"""The phone check: a page's primary action is on screen at 375×812 without sideways
scrolling (not hidden, not off to the right in a scrolled table, not wider than the page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.browser.journeys import overflow

PHONE_812 = {"width": 375, "height": 812}

# A page's primary action, found on the page as loaded.
Primary = Callable[[Any], Any]


def action_reachable(page: Any, locator: Any) -> str:
    """ "" when the action is visible within the window's width with the page scrolled
    fully to the left; otherwise what is wrong."""
    page.evaluate("() => window.scrollTo(0, 0)")
    if (px := overflow(page)) > 0:
        return f"page {px}px wider than the window"
    if locator.count() == 0:
        return "no such action on the page"
    action = locator.first
    if not action.is_visible():
        return "action hidden"
    box = action.bounding_box()
    width = page.viewport_size["width"]
    if box is None or box["x"] < 0 or box["x"] + box["width"] > width:
        return f"action off screen ({box and round(box['x'])}px from the left of {width}px)"
    return ""


def check_primary_actions(page: Any, pages: dict[str, tuple[str, Primary]]) -> None:
    """Each page (name: url and how to find its primary action) at 375×812."""
    page.set_viewport_size(PHONE_812)
    wrong = {}
    for name, (url, primary) in pages.items():
        page.goto(url)
        page.wait_for_load_state("load")
        if problem := action_reachable(page, primary(page)):
            wrong[name] = problem
    assert wrong == {}, f"primary actions not reachable at 375 px: {wrong}"
