"""Staff registers a household and opens its hukou cases; the police station approves;
the resident looks the case up. In a real browser (Debian's chromium)."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import shot
from tests.browser.journeys import fill_member
from tests.conftest import PASSWORD, make_id
from transfers.cases.models import Case
from workflows.roles import Role


def login(page, base, username):  # type: ignore[no-untyped-def]
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/")


def logout(page):  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="退出").click()


def test_hukou_from_intake_to_completion(live_server, page, make_user, geo, db):
    base = live_server
    staff = make_user(Role.VILLAGE_STAFF, "411221100201", username="xingfu_staff")
    make_user(Role.POLICE_STATION, "411221100", username="chengguan_police")

    login(page, base, "xingfu_staff")
    shot(page, "01-home-staff")
    page.get_by_role("link", name="登记新搬迁户").first.click()
    page.get_by_label("迁出地（村/社区）").select_option(label="河南省三门峡市渑池县段村乡段村村")
    page.get_by_label("安置方式").select_option("centralized")
    page.get_by_label("安置点").select_option(label="幸福社区集中安置点")
    page.locator("#members-0-name").fill("王建国")
    fill_member(page, 0, "户主")
    bad = make_id(seq=1)[:-1] + "0"
    page.locator("#members-0-id_number").fill(bad)
    if make_id(seq=1)[-1] == "0":
        page.locator("#members-0-id_number").fill(make_id(seq=1)[:-1] + "1")
    # checked as typed, before submitting
    page.wait_for_selector(".idcheck.bad")
    assert "校验位" in page.locator(".idcheck").first.inner_text()
    page.locator("#members-0-id_number").fill(make_id(seq=1))
    page.wait_for_selector(".idcheck.ok")
    page.locator("#members-1-name").fill("李秀英")
    page.locator("#members-1-id_number").fill(make_id(seq=2, sex="F"))
    fill_member(page, 1, "配偶")
    shot(page, "02-register-household")
    page.get_by_role("button", name="保存登记").click()
    page.wait_for_url(re.compile(r"/households/\d+$"))
    assert "集中安置点门楼牌号落户" in page.content()
    shot(page, "03-household-proposals")
    page.get_by_role("button", name="确认受理并生成回执").click()
    page.wait_for_url(re.compile(r"/cases/receipts/"))
    receipt_no = page.locator("strong").first.inner_text()
    assert re.fullmatch(r"411221-\d{8}-\d{4}", receipt_no)
    shot(page, "04-receipt")

    case = db.session.scalars(
        select(Case).where(Case.procedure == "hukou").order_by(Case.id)
    ).first()
    page.goto(f"{base}/cases/{case.id}")
    page.get_by_role("link", name="确认落户方式并转派出所").click()
    page.get_by_label("落户方式").select_option("site_address")
    page.get_by_label("楼栋号").fill("3")
    page.get_by_label("单元号").fill("2")
    page.get_by_label("门牌号").fill("501")
    page.get_by_role("button", name="确认落户方式并转派出所").click()
    page.wait_for_url(f"{base}/cases/{case.id}")
    assert "派出所审核办理" in page.content()
    logout(page)

    login(page, base, "chengguan_police")
    page.get_by_role("link", name="进入待办").click()
    expect(page.locator("body")).to_contain_text("王*国")
    shot(page, "05-police-queue")
    page.get_by_role("link", name="办理", exact=True).first.click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    shot(page, "05b-case-before-claim")
    page.get_by_role("button", name="认领").click()
    page.get_by_role("link", name="办结：准予落户").click()
    assert page.get_by_label("登记户籍地址").input_value().endswith("3栋2单元501号")
    page.get_by_role("button", name="办结：准予落户").click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    content = page.content()
    assert "已落户" in content and "办结" in content
    shot(page, "06-case-completed")
    logout(page)

    page.goto(base + "/query/")
    page.get_by_label("办件编号").fill(receipt_no)
    page.get_by_label("身份证号码后四位").fill(make_id(seq=2, sex="F")[-4:])
    page.get_by_role("button", name="查询").click()
    expect(page.locator("body")).to_contain_text("已落户")
    content = page.content()
    assert "已落户" in content and "王建国" not in content
    shot(page, "07-public-lookup")
    assert staff.id
