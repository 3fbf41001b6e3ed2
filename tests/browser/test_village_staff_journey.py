"""Village staff journey on the demo county: find a household by name, pinyin initials,
ID number and receipt number; register a new household (ID numbers checked as typed; a
server-side error keeps everything typed); open the proposed cases; print the receipt;
upload a document to a case."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from tests.browser.conftest import shot
from tests.browser.journeys import check_widths, fill_member, login
from tests.conftest import make_id
from transfers.cases.models import Intake
from transfers.households.models import Household, Person
from transfers.jurisdictions.models import Jurisdiction


def _search(page, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    page.get_by_label("查找").fill(text)
    page.get_by_role("button", name="查找").click()
    page.wait_for_load_state("load")
    return page.locator("table tbody tr").all_inner_texts()


def test_village_staff_search_register_open_print_upload(live_server, page, demo, db, tmp_path):
    base = live_server
    xingfu = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "411221100201"))
    intake = db.session.scalars(
        select(Intake)
        .join(Household, Household.id == Intake.household_id)
        .where(Household.destination_jurisdiction_id == xingfu.id)
        .order_by(Intake.id)
    ).first()
    household = intake.household
    head = household.head
    masked_id = head.id_number[:6] + "*" * 8 + head.id_number[-4:]

    login(page, base, "xingfu_staff")
    shot(page, "60-home-village-staff")
    # search from the home page by name
    page.get_by_label("查找").fill(head.name)
    page.get_by_role("button", name="查找").click()
    page.wait_for_url(re.compile(r"/households/\?q="))
    assert any(masked_id in row for row in page.locator("table tbody tr").all_inner_texts())
    shot(page, "61-household-search")
    assert any(masked_id in row for row in _search(page, head.name_initials))
    assert [masked_id in row for row in _search(page, head.id_number)] == [True]
    assert [masked_id in row for row in _search(page, intake.receipt_no)] == [True]
    assert _search(page, "411221-20000101-9999") == []
    assert "没有找到" in page.content() and page.get_by_role("link", name="登记新搬迁户").count()

    # register: the second member's ID number already belongs to someone (server-side check)
    taken = db.session.scalars(select(Person).order_by(Person.id)).first()
    page.goto(base + "/households/new")
    page.get_by_label("迁出地（村/社区）").select_option(label="河南省三门峡市渑池县段村乡段村村")
    page.get_by_label("安置方式").select_option("centralized")
    page.get_by_label("安置点").select_option(label="幸福社区集中安置点")
    page.get_by_label("联系电话").fill("13800000001")
    fill_member(page, 0, "户主")
    head_id = make_id(birth=date(1966, 6, 6), seq=401)
    page.locator("#members-0-name").fill("欧阳新民")
    page.locator("#members-0-id_number").fill(head_id[:-1] + ("0" if head_id[-1] != "0" else "1"))
    page.wait_for_selector("#members-0-id_number ~ .idcheck.bad, .idcheck.bad")
    page.locator("#members-0-id_number").fill(head_id)
    page.wait_for_selector(".idcheck.ok")
    page.locator("#members-1-name").fill("林秀珍")
    page.locator("#members-1-id_number").fill(taken.id_number)
    fill_member(page, 1, "配偶")
    page.get_by_role("button", name="保存登记").click()
    page.wait_for_load_state("load")
    assert "不能重复登记" in page.content()
    for selector, value in [
        ("#members-0-name", "欧阳新民"),
        ("#members-0-id_number", head_id),
        ("#members-1-name", "林秀珍"),
        ("#members-1-id_number", taken.id_number),
        ("#phone", "13800000001"),
    ]:
        assert page.locator(selector).input_value() == value, selector
    assert page.locator("#members-1-relation").input_value() == "配偶"
    shot(page, "62-register-error-kept")
    page.locator("#members-1-id_number").fill(make_id(birth=date(1968, 8, 8), seq=402, sex="F"))
    page.get_by_role("button", name="保存登记").click()
    page.wait_for_url(re.compile(r"/households/\d+$"))
    shot(page, "63-household-proposals")

    # open the proposed cases; the receipt prints
    page.get_by_role("button", name="确认受理并生成回执").click()
    page.wait_for_url(re.compile(r"/cases/receipts/"))
    receipt_no = page.locator("strong").first.inner_text()
    assert re.fullmatch(r"411221-\d{8}-\d{4}", receipt_no)
    page.evaluate(
        "() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }"
    )
    page.get_by_role("button", name="打印回执").click()
    assert page.evaluate("() => window.__printed") == 1
    page.emulate_media(media="print")
    assert page.locator("nav.navbar").is_hidden()
    assert page.locator("article.printable").is_visible()
    assert "受 理 回 执" in page.locator("article.printable").inner_text()
    shot(page, "64-receipt-print")
    page.emulate_media(media="screen")

    # open a case of the household and upload a document
    page.get_by_role("link", name="返回本户").click()
    page.locator("tr", has_text="户口迁移").get_by_role("link", name="查看").first.click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    case_url = page.url
    doc = tmp_path / "户口簿.pdf"
    doc.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.get_by_label("材料名称").fill("户口簿复印件")
    page.get_by_label("文件（PDF/JPG/PNG）").set_input_files(str(doc))
    page.get_by_role("button", name="上传").click()
    page.wait_for_selector("text=材料已上传")
    assert page.get_by_role("link", name="户口簿复印件").count() == 1
    page.wait_for_selector(".state-diagram svg")
    shot(page, "65-case-with-document")

    check_widths(
        page,
        {
            "home": base + "/",
            "households": base + "/households/?q=" + head.name_initials,
            "register": base + "/households/new",
            "case": case_url,
            "receipt": base + "/cases/receipts/" + receipt_no,
        },
        "66-village",
    )
