"""销号 of a ledger problem, on a desktop screen and on a phone: refused while the problem's
case is still overdue or without 整改措施, accepted once the case is back on time; the
form's buttons are reachable at 375×812 without sideways scrolling."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.phone import PHONE_812, action_reachable
from tests.browser.test_hukou_journey import login
from tests.conftest import NOW
from transfers.auth.models import User
from transfers.cases.services import open_intake
from transfers.db import utcnow
from transfers.deadlines.sweep import sweep
from transfers.engine import act, open_task
from workflows.calendar import local_date
from workflows.roles import Role

DESKTOP = {"width": 1366, "height": 768}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_812], ids=["1366", "375"])
def test_closing_a_problem_needs_measures_and_a_case_back_on_time(  # type: ignore[no-untyped-def]
    viewport: dict[str, int], live_server, page, make_user, make_household, db
):
    base = live_server
    staff = make_user(Role.VILLAGE_STAFF, "411221100201", username="xingfu_staff")
    make_user(Role.TOWNSHIP_SUPERVISOR, "411221100", username="chengguan_lead")
    hh = make_household()
    intake = open_intake(household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW)
    db.session.commit()
    case_id, staff_id = intake.cases[0].id, staff.id
    task = open_task(intake.cases[0])
    assert task is not None
    task.due_on = local_date(utcnow()) - timedelta(days=3)
    db.session.commit()
    assert sweep(utcnow()).escalations["township"] == 1
    db.session.commit()

    page.set_viewport_size(viewport)
    login(page, base, "chengguan_lead")
    page.goto(f"{base}/supervision/ledgers/problems")
    _reachable(page, page.get_by_role("link", name="整改/销号"))
    page.get_by_role("link", name="整改/销号").click()
    close = page.get_by_role("button", name="确认销号")
    _reachable(page, close)
    page.get_by_label("整改结果（销号依据）").fill("已督促社区办结")
    close.click()
    expect(page.locator("body")).to_contain_text("销号前须先登记整改措施")
    page.get_by_label("整改措施").fill("约谈社区承办人，限期办结")
    page.get_by_role("button", name="保存").click()
    page.get_by_label("整改结果（销号依据）").fill("已督促社区办结")
    page.get_by_role("button", name="确认销号").click()
    expect(page.locator("body")).to_contain_text("仍超期未办结")

    act(
        case_id=case_id,
        action="submit",
        actor=db.session.get(User, staff_id),
        seen_version=None,
        data={"option": "site_address", "building": "3", "unit": "2", "door": "501"},
        now=utcnow(),
    )
    db.session.commit()
    page.get_by_label("整改结果（销号依据）").fill("已督促社区办结")
    page.get_by_role("button", name="确认销号").click()
    expect(page.locator("body")).to_contain_text("问题已销号")


def _reachable(page: Any, locator: Any) -> None:
    assert action_reachable(page, locator) == ""
