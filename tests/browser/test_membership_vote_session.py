"""A collective organization publishes its applicants as one list, prints the notice and,
after the publicity period, records every tally on one page. In a real browser."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import shot
from tests.browser.test_hukou_journey import login, logout
from transfers.cases.models import Case
from transfers.cases.services import open_intake
from transfers.db import utcnow
from workflows.calendar import local_date
from workflows.roles import Role


def test_vote_session_publish_print_and_record(live_server, page, make_user, make_household, db):
    base = live_server
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    make_user(Role.COLLECTIVE_ORG, "411221100201", username="xingfu_collective")
    hh = make_household(members=2)
    open_intake(
        household=hh,
        requests=[(p, "collective_membership") for p in hh.members],
        actor=staff,
        now=utcnow(),
    )
    db.session.commit()

    login(page, base, "xingfu_collective")
    page.get_by_role("link", name="成员表决").first.click()
    page.get_by_role("link", name="公示申请人名单").click()
    page.locator("#body").select_option("general_assembly")
    page.get_by_label("表决机构总人数").fill("100")
    start = local_date(utcnow()) - timedelta(days=9)
    page.locator("#starts_on").fill(start.isoformat())
    page.locator("#backdate_reason").fill("已在村务公开栏张贴，现补录")
    shot(page, "20-vote-session-publish")
    page.get_by_role("button", name="公示名单").click()
    page.wait_for_url(re.compile(r"/votes/\d+$"))
    assert "通过须赞成 67 票以上" in page.content()

    page.get_by_role("link", name="打印公示").click()
    expect(page.locator("body")).to_contain_text("集体经济组织成员身份申请人名单公示")
    content = page.content()
    assert "集体经济组织成员身份申请人名单公示" in content and "盖章" in content
    shot(page, "21-publicity-notice")
    page.get_by_role("link", name="返回").click()

    first, second = sorted(db.session.scalars(select(Case.id)).all())
    page.locator(f"#for-{first}").fill("67")
    page.locator(f"#against-{first}").fill("30")
    page.locator(f"#for-{second}").fill("66")
    page.locator(f"#abstain-{second}").fill("4")
    shot(page, "22-vote-session-tallies")
    page.get_by_role("button", name="登记表决结果").click()
    page.wait_for_url(re.compile(r"/votes/\d+$"))
    content = page.content()
    assert "已登记表决结果" in content and "未通过" in content
    shot(page, "23-vote-session-decided")
    db.session.expire_all()
    states = {c.id: c.state for c in db.session.scalars(select(Case))}
    assert states == {first: "confirmed", second: "rejected"}
    logout(page)
