"""The household page at 1366×768 and on a 375×812 phone: below 576 px its member and case
tables become cards (the lists' `table-cards`), names stay on one line, and its primary
action, 确认受理并生成回执, and each case's 查看 are on screen without sideways scrolling."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import shot
from tests.browser.journeys import DESKTOP, login
from tests.browser.phone import PHONE_812, action_reachable
from tests.conftest import NOW, PASSWORD
from transfers.cases.services import open_intake
from workflows.roles import Role

SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE_812], ids=["1366", "375"])


def _cells_fit(page: Any, table: str) -> str:
    """ "" when every cell of the table lies within the window; else the first that does not."""
    return str(
        page.evaluate(
            """(table) => {
              for (const cell of document.querySelectorAll(table + ' tbody td')) {
                const box = cell.getBoundingClientRect();
                if (box.width && (box.left < 0 || box.right > window.innerWidth + 0.5)) {
                  return cell.textContent.trim() + ' at ' + Math.round(box.right) + 'px';
                }
              }
              return '';
            }""",
            table,
        )
    )


def _lines(page: Any, cells: str) -> set[int]:
    """How many lines the text of each of these cells takes (a set: all the same, mostly)."""
    return set(
        page.eval_on_selector_all(
            cells,
            """(cells) => cells.map((c) => {
              const r = document.createRange(); r.selectNodeContents(c);
              return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size;
            })""",
        )
    )


@SIZES
def test_members_as_cards_on_a_phone_and_the_intake_on_screen(  # type: ignore[no-untyped-def]
    live_server, page, make_user, make_household, db, size
):
    base = live_server
    staff = make_user(Role.VILLAGE_STAFF, "411221100201", username="xingfu_staff")
    household = make_household(members=4)
    head = household.members[0]
    open_intake(household=household, requests=[(head, "hukou")], actor=staff, now=NOW)
    db.session.commit()
    page.set_viewport_size(size)
    login(page, base, "xingfu_staff", PASSWORD)
    page.goto(f"{base}/households/{household.id}")
    phone = size is PHONE_812
    shot(page, f"household-{size['width']}")

    members = page.locator("#member-table")
    assert members.locator("thead").is_visible() is not phone  # cards: no header row
    for p in household.members:
        row = members.locator("tbody tr", has_text=p.name).filter(has_text=p.masked_id)
        assert row.count() == 1 and row.is_visible()
        if phone:  # each cell labelled, as in the queue's cards
            assert "出生日期：" in row.evaluate(
                "(tr) => [...tr.cells].map((c) => getComputedStyle(c, '::before').content"
                " .replace(/^\"|\"$/g, '') + c.innerText).join(' ')"
            )
    assert _cells_fit(page, "#member-table") == ""
    assert _cells_fit(page, "#case-table") == ""
    assert _lines(page, "#member-table tbody td:nth-child(2)") == {1}  # names on one line
    # the intake's table stays a table (a checkbox per row), its names on one line too
    assert _lines(page, "#proposal-table tbody td:nth-child(2)") == {1}
    assert _cells_fit(page, "#proposal-table") == ""

    intake = page.get_by_role("button", name="确认受理并生成回执")
    assert action_reachable(page, intake) == ""
    view = page.locator("#case-table").get_by_role("link", name="查看", exact=True)
    assert action_reachable(page, view) == ""
