"""The onboarding guide (docs/onboarding.md), step by step, on a county outside the demo
(河南省三门峡市卢氏县) at 1366×768: enable the county, its 安置点 and its office accounts
from sheets, a clerk's first login, the first ledger. Its screenshots are the guide's."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from playwright.sync_api import expect

from tests.browser.journeys import login
from tests.conftest import make_id
from transfers.imports.ledger import COLUMNS

GUIDE_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VILLAGE = "411224101200"  # 杜关镇杜关村, where the households are resettled
SITE = "杜关村易地搬迁安置小区"


def guide_shot(page: Any, name: str) -> None:
    GUIDE_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(GUIDE_SHOTS / f"onboarding-{name}.png"), full_page=True)


def workbook(path: Path, title: str, header: list[str], rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def ledger(path: Path) -> Path:
    """Two households of 兰草村 resettled at 杜关村, in the import's own layout."""
    header = [c.header for c in COLUMNS]
    people = [
        (1, "张建军", make_id("411224", date(1968, 4, 2), 21), "户主"),
        (1, "刘桂兰", make_id("411224", date(1970, 8, 9), 22, "F"), "配偶"),
        (2, "赵明", make_id("411224", date(1985, 1, 15), 23), "户主"),
    ]
    # Places by name, as a village keeps its ledger (the import finds their codes).
    values = {
        "origin_code": "官坡镇兰草村",
        "destination_code": "杜关村",
        "settlement_mode": "集中安置",
    }
    rows = []
    for household, name, id_number, relation in people:
        cells = {
            **values,
            "household_no": household,
            "name": name,
            "id_number": id_number,
            "relation": relation,
            "site": SITE,
        }
        rows.append([cells.get(c.key, "") for c in COLUMNS])
    return workbook(path, "兰草村易地扶贫搬迁户台账", header, rows)


def upload(page: Any, path: Path) -> None:
    page.get_by_label("表格文件").set_input_files(str(path))
    page.get_by_role("button", name="上传并预览").click()


def test_a_new_county_from_enabling_to_its_first_ledger(live_server, page, demo, tmp_path):
    base = live_server
    # Step 1: enable the county (province -> city -> county, preview, confirm)
    login(page, base, "admin")
    page.get_by_role("link", name="系统管理").click()
    page.get_by_role("link", name="启用区县").click()
    page.get_by_label("省").select_option(label="河南省")
    page.wait_for_url(re.compile(r"province=41"))
    page.get_by_label("市", exact=True).select_option(label="三门峡市")
    page.wait_for_url(re.compile(r"city=4112"))
    page.get_by_label("区县", exact=True).select_option(label="卢氏县")
    page.wait_for_url(re.compile(r"county=411224"))
    expect(page.locator("[data-plan-summary]")).to_contain_text("20个乡镇（街道），271个村（社区）")
    guide_shot(page, "1-enable-preview")
    page.get_by_role("button", name="确认启用").click()
    expect(page.locator("body")).to_contain_text("已启用河南省三门峡市卢氏县：新建292个区划")
    guide_shot(page, "2-enabled")

    # Step 2: 安置点 from a sheet
    sites = workbook(
        tmp_path / "卢氏县安置点.xlsx",
        "卢氏县易地搬迁安置点",
        ["安置点名称", "所在村（社区）", "安置方式", "地址"],
        [[SITE, "杜关镇杜关村", "集中安置", "杜关镇杜关村移民新村1号"]],
    )
    page.goto(base + "/admin/users")
    page.get_by_role("link", name="从表格新增安置点").click()
    upload(page, sites)
    expect(page.locator("body")).to_contain_text("共1行，全部无误")
    guide_shot(page, "3-sites-preview")
    page.get_by_role("button", name="确认新增1个安置点").click()
    expect(page.locator("body")).to_contain_text("已新增1个安置点")

    # Step 3: the offices' accounts from one sheet; a fault is shown at its row first
    header = ["角色", "管辖区域", "姓名", "手机号"]
    people = [
        ["村委会", "杜关镇杜关村", "杜关村 王芳", "13937800001"],
        ["派出所", "杜关镇", "杜关派出所 李强", "13937800002"],
        ["镇政府", "杜关镇", "杜关镇政府 陈静", "13937800003"],
        ["民政局", "卢氏县", "卢氏县民政局 周涛", "13937800004"],
    ]
    faulty = [*people[:3], ["派出所", "杜关村", "错填示例", "1393780"]]
    page.goto(base + "/admin/users")
    page.get_by_role("link", name="批量开通账号").click()
    upload(page, workbook(tmp_path / "账号有误.xlsx", "卢氏县账号申请表", header, faulty))
    row = page.locator("tr[data-row='6']")
    expect(row).to_contain_text("派出所应授权在乡镇/街道一级")
    expect(row).to_contain_text("手机号应为11位数字")
    guide_shot(page, "4-accounts-faults")
    page.get_by_role("link", name="重新上传").first.click()
    upload(page, workbook(tmp_path / "账号.xlsx", "卢氏县账号申请表", header, people))
    page.get_by_role("button", name="确认开通4个账号").click()
    expect(page.locator("body")).to_contain_text("初始密码只显示这一次")
    guide_shot(page, "5-passwords")
    password = page.locator("[data-password]").first.inner_text()
    page.get_by_role("button", name="退出").click()

    # Step 4: the village clerk's first login: a password of their own
    page.goto(base + "/login")
    page.get_by_label("用户名").fill("13937800001")
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/password"))
    page.get_by_label("初始密码").fill(password)
    page.get_by_label(re.compile(r"^新密码")).fill("dgc-wangfang-2026")
    page.get_by_label("再次输入新密码").fill("dgc-wangfang-2026")
    guide_shot(page, "6-first-login")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.locator("body")).to_contain_text("密码已修改")

    # Step 5: the first ledger, through the import page
    page.get_by_role("link", name="台账导入").click()
    sheet = ledger(tmp_path / "兰草村台账.xlsx")
    page.get_by_label("台账文件（.xlsx、.xls 或 .csv）").set_input_files(str(sheet))
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_selector("#sheet-read", timeout=60_000)
    guide_shot(page, "7-ledger-preview")
    page.get_by_role("button", name="导入有效数据（2 户）").click()
    page.wait_for_selector("text=导入完成：新建 2 户、3 人", timeout=60_000)
    guide_shot(page, "8-ledger-done")
