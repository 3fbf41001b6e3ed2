"""Messages in a real browser at 1366×768 and 375×812: a clerk's inbox has one line per
case, the supervisor one daily digest, and 全部已读 clears the count."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import shot
from tests.browser.journeys import overflow
from tests.browser.test_family_actions import logout
from tests.browser.test_hukou_journey import login
from tests.conftest import NOW
from tests.deadlines.conftest import china
from transfers.cases.services import open_intake
from transfers.deadlines.sweep import sweep
from transfers.inbox.digest import send_digests
from workflows.roles import Role

SIZES = ({"width": 1366, "height": 768}, {"width": 375, "height": 812})


def test_inbox_grouped_per_case_and_the_daily_digest(
    live_server: str, page: Any, make_user: Any, make_household: Any, db: Any
) -> None:
    base = live_server
    staff = make_user(Role.VILLAGE_STAFF, "411221100201", username="xingfu_staff")
    make_user(Role.TOWNSHIP_SUPERVISOR, "411221100", username="chengguan_lead")
    for _ in range(3):
        hh = make_household()
        open_intake(household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW)
    db.session.commit()
    sweep(china(2026, 11, 12, 0, 0))  # a reminder for each case
    sweep(china(2026, 11, 17, 0, 0))  # then its 催办
    send_digests(china(2026, 11, 17, 8, 0))
    db.session.commit()

    for size in SIZES:
        page.set_viewport_size(size)
        login(page, base, "xingfu_staff")
        page.goto(base + "/inbox/")
        lines = page.locator("[data-inbox-line]")
        if size is SIZES[0]:
            assert page.locator("#inbox-unread").inner_text() == "6"
            assert lines.count() == 3
            assert lines.first.inner_text().count("本事项共2条消息") == 1
        button = page.get_by_role("button", name="全部已读")
        assert button.is_visible() and overflow(page) == 0
        shot(page, f"32-inbox-{size['width']}")
        if size is SIZES[0]:
            button.click()
            assert page.locator("#inbox-unread").count() == 0
        logout(page)

        login(page, base, "chengguan_lead")
        page.goto(base + "/inbox/")
        digest = page.locator("[data-inbox-line]")
        assert digest.count() == 1 and "【每日汇总】" in digest.inner_text()
        assert digest.inner_text().count("【催办】") == 3 and overflow(page) == 0
        shot(page, f"33-digest-{size['width']}")
        logout(page)
    # opening the digest reads it and stays in the inbox
    login(page, base, "chengguan_lead")
    page.goto(base + "/inbox/")
    page.locator("[data-inbox-line] button").first.click()
    page.wait_for_url(re.compile(r"/inbox/$"))
    assert page.locator("#inbox-unread").count() == 0
