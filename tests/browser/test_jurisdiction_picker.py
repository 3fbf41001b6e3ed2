"""The jurisdiction picker of a new user and of a grant: search by name, or choose level
by level; it fills the field with the code. At 1366×768 and on a 375 px phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.browser.journeys import DESKTOP, login, overflow


@pytest.mark.parametrize("size", [DESKTOP, {"width": 375, "height": 812}], ids=["1366", "375"])
def test_pick_a_jurisdiction_by_name_or_level_by_level(live_server, page, demo, size):
    base = live_server
    page.set_viewport_size(size)
    login(page, base, "admin")
    page.goto(base + "/admin/users/new")
    picker = page.locator("[data-jurisdiction-picker]")
    field = page.get_by_label("辖区")

    # by name: part of it is enough, the list says where each one is
    picker.get_by_label("按名称搜索").fill("城关")
    choice = picker.get_by_role("button", name="河南省三门峡市渑池县城关镇（乡镇/街道）")
    choice.click()
    expect(field).to_have_value("411221100")
    expect(picker.locator("[data-picked]")).to_contain_text("河南省三门峡市渑池县城关镇")

    # level by level: each choice fills the field and offers the next level
    picker.get_by_label("省").select_option(label="河南省")
    picker.get_by_label("市").select_option(label="三门峡市")
    picker.get_by_label("区县").select_option(label="渑池县")
    picker.get_by_label("乡镇/街道").select_option(label="城关镇")
    picker.get_by_label("村/社区").select_option(label="幸福社区")
    expect(field).to_have_value("411221100201")
    assert overflow(page) == 0
    shot(page, f"52-admin-jurisdiction-picker-{size['width']}")

    # the chosen place is what the account gets
    page.get_by_label("用户名").fill("xingfu_clerk2")
    page.get_by_label("姓名/单位").fill("幸福社区 新同事")
    page.get_by_label("初始密码").fill("long-enough-1")
    page.get_by_label("角色").select_option("village_staff")
    page.get_by_role("button", name="创建").click()
    expect(page.locator("body")).to_contain_text("已创建用户 xingfu_clerk2")
    expect(page.locator("body")).to_contain_text("幸福社区")
