"""The English interface's layout: the navbar stays on one line at 1366×768 (and folds
into the menu button on a phone), and the dashboard charts' labels are not cut."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.journeys import DESKTOP, login, overflow
from tests.browser.phone import PHONE_812

SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE_812], ids=["1366", "375"])

# The rows the visible navbar items sit on (an item's top, to the nearest 8 px).
# How far apart the tops of the visible navbar items are (one line: a few pixels).
NAV_ROWS = """() => {
  const items = [...document.querySelectorAll('nav.navbar .nav-link, nav.navbar .btn')]
    .filter(e => e.offsetParent !== null);
  const tops = items.map(e => e.getBoundingClientRect().top);
  return {
    spread: Math.max(...tops) - Math.min(...tops),
    right: Math.max(...items.map(e => e.getBoundingClientRect().right)),
    count: items.length,
  };
}"""

# Each bar chart's category labels as drawn, and whether any is cut (an ellipsis) or
# drawn outside the chart.
CHART_TEXT = """el => {
  const box = el.getBoundingClientRect();
  const texts = [...el.querySelectorAll('svg text')];
  return {
    joined: texts.map(t => t.textContent).join('').replace(/\\s+/g, ''),
    cut: texts.some(t => /…|\\.\\.\\./.test(t.textContent)),
    outside: texts.some(t => { const r = t.getBoundingClientRect();
      return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1); }),
  };
}"""


def _english(page: Any, base: str, username: str, size: dict[str, int]) -> None:
    """Log in and switch to English (on a wide window, where the switch is in view)."""
    page.set_viewport_size(DESKTOP)
    login(page, base, username)
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Hello", exact=False).first.wait_for()
    page.set_viewport_size(size)


@SIZES
@pytest.mark.parametrize("username", ["admin", "mianchi_lead", "xingfu_staff"])
def test_english_navbar_keeps_to_one_line(live_server, page, demo, size, username):  # type: ignore[no-untyped-def]
    base = live_server
    _english(page, base, username, size)
    if size is PHONE_812:
        page.get_by_role("button", name="Open menu").click()
        page.get_by_role("button", name="Log out").wait_for()
        assert overflow(page) == 0
        return
    nav = page.evaluate(NAV_ROWS)
    assert nav["count"] >= 6
    assert nav["spread"] < 16, nav
    assert nav["right"] <= size["width"], nav
    assert page.locator("nav.navbar").bounding_box()["height"] < 64
    # the account's own page is one click away in the user's menu
    page.locator("#user-menu button").click()
    page.get_by_role("link", name="My access tokens").click()
    page.wait_for_url(base + "/account/tokens")


@SIZES
def test_english_chart_labels_are_not_cut(live_server, page, demo, size):  # type: ignore[no-untyped-def]
    base = live_server
    _english(page, base, "mianchi_lead", size)
    page.goto(base + "/supervision/")
    page.wait_for_selector(".dash-chart[data-drawn] svg")
    bars = [
        el
        for el in page.locator(".dash-chart").all()
        if json.loads(el.get_attribute("data-chart"))["type"] == "bar"
    ]
    assert len(bars) == 2
    for el in bars:
        categories = json.loads(el.get_attribute("data-chart"))["categories"]
        drawn = el.evaluate(CHART_TEXT)
        assert not drawn["cut"] and not drawn["outside"], drawn
        for label in categories:
            assert "".join(label.split()) in drawn["joined"], (label, drawn["joined"])
    assert any(
        len(c) > 20 for el in bars for c in json.loads(el.get_attribute("data-chart"))["categories"]
    )
