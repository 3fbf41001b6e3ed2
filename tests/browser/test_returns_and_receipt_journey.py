"""A 退回 reaches people, and the receipt tells what was promised: in Chromium at
1366×768 and on a 375×812 phone.

The police station returns a hukou case with a reason in the browser; the clerk who
submitted it finds the message, the 被退回 marker and the reason in the queue row and in
当前状态; the family's lookup says 需补正 and what to bring. The receipt shows the
promised completion date, the office's phone, the lookup address with its QR code and a
signature line, and prints on one A4 page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.browser.journeys import overflow
from tests.conftest import NOW, PASSWORD
from transfers.cases.services import open_intake
from transfers.engine import act
from workflows.idcard import mask_name
from workflows.roles import Role

SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 375, "height": 812}}
SUBMIT = {"option": "site_address", "building": "3", "unit": "2", "door": "501"}
REASON = "户口簿复印件不清晰，请携带户口簿原件"


def login(page, base, username):  # type: ignore[no-untyped-def]
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/")


def logout(page, base):  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(base + "/")


@pytest.fixture()
def submitted(db, geo, make_user, make_household):  # type: ignore[no-untyped-def]
    """A household's hukou case, submitted by the clerk to the police station."""
    geo["411221100201"].phone = "0398-4816618"
    staff = make_user(Role.VILLAGE_STAFF, "411221100201", username="xingfu_staff")
    make_user(Role.POLICE_STATION, "411221100", username="chengguan_police")
    hh = make_household()
    head = hh.members[0]
    intake = open_intake(household=hh, requests=[(head, "hukou")], actor=staff, now=NOW)
    case = intake.cases[0]
    act(case_id=case.id, action="submit", actor=staff, seen_version=None, data=SUBMIT, now=NOW)
    db.session.commit()
    return intake.receipt_no, head, case.id


@pytest.mark.parametrize("size", SIZES)
def test_a_return_reaches_the_clerk_and_the_family(live_server, page, submitted, size):
    base = live_server
    receipt_no, head, case_id = submitted
    page.set_viewport_size(SIZES[size])

    login(page, base, "chengguan_police")
    page.goto(f"{base}/cases/{case_id}")
    page.get_by_role("link", name="退回补正").click()
    page.get_by_label("退回原因").fill(REASON)
    page.get_by_role("button", name="退回补正").click()
    page.wait_for_url(re.compile(r"/cases/\d+$|/tasks/"))
    logout(page, base)

    login(page, base, "xingfu_staff")
    expect(page.locator("#inbox-unread")).to_have_text("1")
    page.goto(base + "/inbox/")  # on a phone the link sits in the collapsed menu
    message = page.locator(".list-group-item").first
    expect(message).to_contain_text("退回补正")
    expect(message).to_contain_text(REASON)
    expect(message).to_contain_text(mask_name(head.name))
    shot(page, f"50-return-message-{size}")

    page.goto(base + "/tasks/")
    row = page.locator("tr", has=page.locator("[data-returned]"))
    expect(row).to_have_count(1)
    expect(row.locator("[data-returned]")).to_be_visible()
    expect(row).to_contain_text(REASON)
    shot(page, f"51-return-queue-{size}")

    page.goto(f"{base}/cases/{case_id}")
    panel = page.locator(".card", has=page.get_by_role("heading", name="当前状态"))
    expect(panel.locator("[data-returned]")).to_be_visible()
    expect(panel.locator("[data-returned]")).to_contain_text(REASON)
    expect(panel.locator("[data-returned]")).to_be_in_viewport()
    shot(page, f"52-return-case-{size}")
    logout(page, base)

    page.goto(base + "/query/")
    page.get_by_label("办件编号").fill(receipt_no.replace("-", ""))
    page.get_by_label("身份证号码后四位").fill(head.id_number[-4:].lower())
    page.get_by_role("button", name="查询").click()
    case = page.locator("[data-case]")
    expect(case.locator("[data-state]")).to_have_text("需补正")
    expect(case.locator("[data-bring]")).to_contain_text(REASON)
    expect(case.locator("[data-bring]")).to_be_in_viewport()
    assert overflow(page) == 0
    shot(page, f"53-return-lookup-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_the_lookup_tells_office_due_date_and_masks_names(
    live_server, page, client, submitted, size
):
    from tests.conftest import post_form

    base = live_server
    receipt_no, head, _case_id = submitted
    page.set_viewport_size(SIZES[size])
    page.goto(base + "/query/")
    page.get_by_label("办件编号").fill(" " + receipt_no.replace("-", " ") + " ")
    page.get_by_label("身份证号码后四位").fill(head.id_number[-4:])
    page.get_by_role("button", name="查询").click()
    case = page.locator("[data-case]")
    expect(case.locator("[data-member]")).to_have_text(mask_name(head.name))
    expect(case.locator("[data-state]")).to_have_text("办理中")
    expect(case.locator("[data-office]")).to_contain_text("城关镇派出所")
    expect(case.locator("[data-due]")).to_contain_text(re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 前"))
    case.locator("summary").click()
    expect(case.locator("[data-step-row]")).to_have_count(2)
    expect(case.locator("[data-step-row]").first).to_contain_text("已完成（按时）")
    assert head.name not in page.locator("main").inner_text()
    assert overflow(page) == 0
    shot(page, f"54-lookup-{size}")

    # one family's wrong tries on its receipt number: then a wait, said plainly
    for i in range(10):
        post_form(client, "/query/", {"receipt_no": receipt_no, "id_tail": f"{i:04d}"})
    page.goto(base + "/query/")
    page.get_by_label("办件编号").fill(receipt_no)
    page.get_by_label("身份证号码后四位").fill(head.id_number[-4:])
    page.get_by_role("button", name="查询").click()
    notice = page.locator("[data-too-many]")
    expect(notice).to_contain_text(re.compile(r"请在 \d+ (秒|分钟) 后再试"))
    assert overflow(page) == 0
    shot(page, f"55-lookup-wait-{size}")
    notice.get_by_role("link", name="返回办件查询").click()
    page.wait_for_url(base + "/query/")
    expect(page.get_by_label("办件编号")).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_the_receipt_promises_a_date_and_prints_on_one_page(live_server, page, submitted, size):
    base = live_server
    receipt_no, head, _case_id = submitted
    page.set_viewport_size(SIZES[size])
    login(page, base, "xingfu_staff")
    page.goto(f"{base}/cases/receipts/{receipt_no}")
    expect(page.locator("[data-promise]")).to_contain_text(re.compile(r"最迟于 \d{4}年"))
    expect(page.locator("[data-promised]")).to_have_count(1)
    expect(page.locator("[data-phone]")).to_contain_text("0398-4816618")
    qr = page.locator("[data-qr] svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 80 and box["width"] == box["height"]
    url = page.locator("[data-lookup-url]").inner_text()
    assert url.startswith(base) and receipt_no in url
    expect(page.locator("[data-signature]")).to_contain_text("申请人（签名）")
    assert overflow(page) == 0
    shot(page, f"56-receipt-{size}")

    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one A4 page

    # the address on the receipt opens the lookup with its number filled in
    page.emulate_media(media="screen")
    page.goto(url)
    expect(page.get_by_label("办件编号")).to_have_value(receipt_no)
    expect(page.get_by_label("身份证号码后四位")).to_have_value("")
