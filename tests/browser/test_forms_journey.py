"""Forms that never lose input, registration without traps, 更正登记, the vote page's
body size and objections, holiday ranges: in Chromium at 1366×768 and 375×812."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import shot
from tests.browser.journeys import DESKTOP, fill_member, overflow
from tests.conftest import PASSWORD, make_id
from workflows.roles import Role

PHONE = {"width": 375, "height": 812}
SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1366", "375"])


def sign_in(page: Any, base: str, username: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def visible_without_scrolling(page: Any, locator: Any) -> None:
    """The element is on screen once scrolled to vertically; the page never scrolls sideways."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert overflow(page) == 0


@SIZES
def test_registration_survives_an_ended_session(live_server, page, make_user, geo, size):
    base = live_server
    make_user(Role.VILLAGE_STAFF, "411221100201", username="xingfu_staff")
    page.set_viewport_size(size)
    page.goto(base + "/login")
    sign_in(page, base, "xingfu_staff")
    page.wait_for_url(base + "/")
    page.goto(base + "/households/new")
    # nothing is chosen for the clerk: the trap of 集中安置 without a site is gone
    assert page.get_by_label("安置方式").input_value() == ""
    assert page.locator("#members-0-relation").input_value() == ""
    assert page.locator("#members-0-medical_insurance").input_value() == ""
    page.get_by_label("迁出地（村/社区）").select_option(label="河南省三门峡市渑池县段村乡段村村")
    page.get_by_label("安置方式").select_option("centralized")
    page.get_by_label("安置点").select_option(label="幸福社区集中安置点")
    page.get_by_label("现住址").fill("幸福路88号3栋")
    page.locator("#members-0-name").fill("欧阳新民")
    page.locator("#members-0-id_number").fill(make_id(seq=401))
    fill_member(page, 0, "户主")
    page.locator("#members-1-name").fill("林秀珍")
    page.locator("#members-1-id_number").fill(make_id(seq=402, sex="F"))
    page.locator("#members-1-collective_member").check()
    page.context.clear_cookies()  # the session ended while the clerk was typing
    page.get_by_role("button", name="保存登记").click()
    page.wait_for_url(re.compile(r"/login\?next="))
    assert "您填写的内容已保留" in page.content()
    sign_in(page, base, "xingfu_staff")
    page.wait_for_url(base + "/households/new")
    page.wait_for_selector("form[data-kept-restored]")
    for selector, value in [
        ("#members-0-name", "欧阳新民"),
        ("#members-0-id_number", make_id(seq=401)),
        ("#members-0-relation", "户主"),
        ("#members-1-name", "林秀珍"),
        ("#address", "幸福路88号3栋"),
        ("#settlement_mode", "centralized"),
    ]:
        assert page.locator(selector).input_value() == value, selector
    assert page.locator("#members-1-collective_member").is_checked()
    assert page.locator(".idcheck.ok").count() == 2  # the ID check ran on the kept numbers
    shot(page, f"80-kept-form-{size['width']}")
    # the second member's relation is missing: the error names the row
    page.get_by_role("button", name="保存登记").click()
    page.wait_for_load_state("load")
    summary = page.locator("#error-summary").inner_text()
    assert "第2位成员（林秀珍）：请选择与户主关系" in summary
    visible_without_scrolling(page, page.get_by_role("button", name="保存登记"))
    fill_member(page, 1, "配偶")
    page.get_by_role("button", name="保存登记").click()
    page.wait_for_url(re.compile(r"/households/\d+$"))


@SIZES
def test_holidays_entered_and_removed_as_a_range(live_server, page, make_user, db, size):
    from transfers.deadlines.models import CalendarOverride

    base = live_server
    make_user(Role.ADMIN, "41", username="county_admin")
    page.set_viewport_size(size)
    page.goto(base + "/login")
    sign_in(page, base, "county_admin")
    page.wait_for_url(base + "/")
    page.goto(base + "/admin/calendar")
    page.get_by_label("开始日期").fill("2031-10-01")
    page.get_by_label("结束日期").fill("2031-10-07")
    page.get_by_label("类型").select_option("0")
    page.get_by_label("名称").fill("国庆节")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("text=日历调整已保存：国庆节，共7天")
    row = page.locator("#override-rows tbody tr")
    assert row.count() == 1 and "共7天" in row.first.inner_text()
    remove = page.get_by_role("button", name="删除国庆节")
    visible_without_scrolling(page, remove)
    shot(page, f"81-holiday-range-{size['width']}")
    page.once("dialog", lambda dialog: dialog.accept())
    remove.click()
    page.wait_for_selector("text=已删除7天的调整")
    assert db.session.query(CalendarOverride).count() == 0


@SIZES
def test_vote_page_remembers_the_body_and_records_objections(
    live_server, page, make_user, make_household, geo, db, size
):
    from transfers.cases.services import open_intake
    from transfers.db import utcnow
    from transfers.votes.services import applicants_waiting, publish_session
    from workflows.calendar import local_date

    base = live_server
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    org = make_user(Role.COLLECTIVE_ORG, "411221100201", username="xingfu_collective")
    hh = make_household(members=3)
    open_intake(
        household=hh,
        requests=[(p, "collective_membership") for p in hh.members],
        actor=staff,
        now=utcnow(),
    )
    db.session.commit()
    village = geo["411221100201"]
    publish_session(
        village=village,
        cases=applicants_waiting(village)[:1],
        body="villagers_representatives",
        body_size=45,
        starts_on=local_date(utcnow()),
        days=7,
        actor=org,
        now=utcnow(),
    )
    db.session.commit()
    page.set_viewport_size(size)
    page.goto(base + "/login")
    sign_in(page, base, "xingfu_collective")
    page.wait_for_url(base + "/")
    page.goto(f"{base}/votes/new/{village.id}")
    assert page.get_by_label("表决机构总人数").input_value() == "45"
    assert page.locator("#body").input_value() == "villagers_representatives"
    assert "已按上次公示" in page.locator("[data-previous-body]").inner_text()
    page.get_by_role("button", name="公示名单").click()
    page.wait_for_url(re.compile(r"/votes/\d+$"))
    vote_url = page.url
    applicant = hh.members[1].name
    record = page.get_by_role("link", name=f"登记{applicant}的异议")
    visible_without_scrolling(page, record)
    record.click()
    page.get_by_label("异议内容").fill("未在本村实际居住")
    page.get_by_label("异议人").fill("村民赵六")
    page.get_by_role("button", name="登记异议").click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    assert "村民赵六" in page.locator("#objections").inner_text()
    page.goto(vote_url)
    row = page.locator("#objections tr[data-objection]")
    assert row.count() == 1
    text = row.first.inner_text()
    assert "村民赵六" in text and "未在本村实际居住" in text and "处理中" in text
    visible_without_scrolling(page, page.get_by_role("link", name="处理异议"))
    shot(page, f"82-vote-objections-{size['width']}")


@SIZES
def test_correcting_a_registration(live_server, page, make_user, make_household, db, size):
    from transfers.cases.services import open_intake
    from transfers.db import utcnow

    base = live_server
    staff = make_user(Role.VILLAGE_STAFF, "411221100201", username="xingfu_staff")
    hh = make_household(members=2)
    open_intake(household=hh, requests=[(hh.members[1], "hukou")], actor=staff, now=utcnow())
    db.session.commit()
    page.set_viewport_size(size)
    page.goto(base + "/login")
    sign_in(page, base, "xingfu_staff")
    page.wait_for_url(base + "/")
    page.goto(f"{base}/households/{hh.id}")
    page.get_by_role("link", name="更正登记").click()
    page.wait_for_url(re.compile(r"/correct$"))
    assert page.locator("#members-1-name").input_value() == "李秀英"
    assert overflow(page) == 0
    page.locator("#members-1-name").fill("李秀芳")
    page.locator("#members-1-medical_insurance").select_option("lapsed")
    save = page.get_by_role("button", name="保存更正")
    save.click()  # no reason given: refused, nothing typed lost
    page.wait_for_load_state("load")
    assert "请填写更正原因" in page.locator("#error-summary").inner_text()
    assert page.locator("#members-1-name").input_value() == "李秀芳"
    page.get_by_label("更正原因").fill("登记时姓名录错，已核对户口簿；医保已断缴")
    visible_without_scrolling(page, save)
    save.click()
    page.wait_for_url(re.compile(rf"/households/{hh.id}$"))
    flash = page.locator(".alert-success").inner_text()
    assert "已更正登记（2项）" in flash and "须复核的事项：李秀芳户口迁移" in flash
    record = page.locator("#corrections [data-correction]").first.inner_text()
    assert "登记时姓名录错" in record and "李秀英姓名：李秀英 → 李秀芳" in record
    assert overflow(page) == 0
    shot(page, f"83-correction-{size['width']}")
    page.locator("#corrections").get_by_role("link", name="李秀芳户口迁移").click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    assert "请复核本事项" in page.content()


def _expire_page(page: Any) -> None:
    """The page's CSRF token no longer matches (the session was renewed elsewhere)."""
    page.evaluate(
        "() => document.querySelectorAll('input[name=csrf_token]')"
        ".forEach(i => { i.value = 'expired'; })"
    )


@SIZES
def test_stale_intake_and_action_forms_keep_what_was_chosen(
    live_server, page, make_user, make_household, db, size
):
    base = live_server
    make_user(Role.VILLAGE_STAFF, "411221100201", username="xingfu_staff")
    hh = make_household(members=2)
    page.set_viewport_size(size)
    page.goto(base + "/login")
    sign_in(page, base, "xingfu_staff")
    page.wait_for_url(base + "/")
    page.goto(f"{base}/households/{hh.id}")
    boxes = page.locator("input[name=open]")
    assert boxes.count() >= 2
    first_value = boxes.first.get_attribute("value")
    boxes.first.uncheck()
    _expire_page(page)
    page.get_by_role("button", name="确认受理并生成回执").click()
    page.wait_for_selector("form[data-kept-restored]")
    assert "您填写的内容已保留" in page.content()
    assert not page.locator(f"input[name=open][value='{first_value}']").is_checked()
    assert page.locator("input[name=open]").nth(1).is_checked()
    visible_without_scrolling(page, page.get_by_role("button", name="确认受理并生成回执"))
    page.get_by_role("button", name="确认受理并生成回执").click()
    page.wait_for_url(re.compile(r"/cases/receipts/"))

    from sqlalchemy import select

    from transfers.cases.models import Case

    case = db.session.scalars(
        select(Case).where(Case.procedure == "hukou").order_by(Case.id)
    ).first()
    page.goto(f"{base}/cases/{case.id}/act/submit")
    page.get_by_label("落户方式").select_option("site_address")
    page.get_by_label("楼栋号").fill("3")
    page.get_by_label("单元号").fill("2")
    _expire_page(page)
    page.get_by_role("button", name=re.compile("确认落户方式")).click()
    page.wait_for_selector("form[data-kept-restored]")
    assert page.get_by_label("落户方式").input_value() == "site_address"
    assert page.get_by_label("楼栋号").input_value() == "3"
    assert page.get_by_label("单元号").input_value() == "2"
    shot(page, f"84-kept-action-{size['width']}")
