"""Administrator journey on the demo county: create and edit a user, grant and revoke a
role in a jurisdiction, add a village, change a time limit, add a calendar override."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.browser.journeys import check_widths, login


def test_admin_users_roles_jurisdictions_limits_calendar(live_server, page, demo):
    base = live_server
    login(page, base, "admin")
    page.get_by_role("link", name="系统管理").click()
    expect(page.locator("body")).to_contain_text("xingfu_staff")
    shot(page, "50-admin-users")

    # create a user: a bad password is refused and everything typed stays
    page.get_by_role("link", name="新增用户").click()
    page.get_by_label("用户名").fill("chengguan_police2")
    page.get_by_label("姓名/单位").fill("城关派出所户籍窗口")
    page.get_by_label("初始密码").fill("short")
    page.get_by_label("角色").select_option("police_station")
    page.get_by_label("辖区").fill("411221100")
    page.get_by_role("button", name="创建").click()
    expect(page.locator("body")).to_contain_text("密码至少8位")
    assert page.get_by_label("用户名").input_value() == "chengguan_police2"
    assert page.get_by_label("辖区").input_value() == "411221100"
    page.get_by_label("初始密码").fill("long-enough-1")
    page.get_by_role("button", name="创建").click()
    page.wait_for_selector("text=已创建用户 chengguan_police2")

    # edit it: display name, a second grant, revoke it again
    page.goto(base + "/admin/users?q=chengguan_police2")
    page.get_by_role("link", name="编辑").click()
    page.get_by_label("姓名/单位").fill("城关镇派出所（户籍）")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("text=已保存")
    grant = page.locator("form[action$='/grants']")
    grant.get_by_label("角色").select_option("police_station")
    grant.get_by_label("辖区").fill("411221101")
    grant.get_by_role("button", name="增加授权").click()
    page.wait_for_selector("text=已授权")
    assert page.locator(".list-group-item").count() == 2
    shot(page, "51-admin-user-edit")
    page.once("dialog", lambda d: d.accept())
    page.locator(".list-group-item").nth(1).get_by_role("button", name="撤销").click()
    page.wait_for_selector("text=已撤销授权")
    assert page.locator(".list-group-item").count() == 1

    # jurisdictions: add a village under 城关镇
    page.goto(base + "/admin/users")
    page.get_by_role("link", name="区划与安置点").click()
    for name in ("三门峡市", "渑池县", "城关镇"):
        page.get_by_role("link", name=name, exact=True).first.click()
    page.get_by_label("区划代码").fill("411221100299")
    page.get_by_label("名称").fill("新建测试社区")
    page.get_by_role("button", name="新增", exact=True).click()
    page.wait_for_selector("text=已新增下级区划")
    assert "新建测试社区" in page.content()
    shot(page, "52-admin-jurisdictions")

    # time-limit table
    page.get_by_role("link", name="时限设置").click()
    step = page.get_by_label("事项与环节")
    step.select_option(index=1)
    page.locator("#amount").fill("3")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("text=时限已保存")
    assert page.locator("#limit-rows tbody tr").count() == 1
    shot(page, "53-admin-time-limits")

    # calendar override
    page.get_by_role("link", name="节假日调整").click()
    page.get_by_label("开始日期").fill("2027-01-04")
    page.get_by_label("类型").select_option("0")
    page.get_by_label("名称").fill("本地特殊安排")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("text=日历调整已保存")
    assert re.search(r"2027年1月4日", page.locator("#override-rows").inner_text())
    shot(page, "54-admin-calendar")

    check_widths(
        page,
        {
            "users": base + "/admin/users",
            "user-new": base + "/admin/users/new",
            "jurisdictions": base + "/admin/jurisdictions",
            "limits": base + "/admin/limits",
            "calendar": base + "/admin/calendar",
        },
        "55-admin",
    )
