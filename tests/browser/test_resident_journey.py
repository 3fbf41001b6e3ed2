"""Resident journey on the demo county: the public lookup with the receipt number and the
last four characters of an ID number shows every case of the household, its step and
whether it is on time, and nothing personal; a wrong pair gets a clear message."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import shot
from tests.browser.journeys import check_widths
from transfers.cases.models import Case, Intake
from workflows.idcard import mask_name


def test_public_lookup_shows_every_case_and_nothing_personal(live_server, page, demo, db):
    base = live_server
    # a household with several cases, some open
    intake = db.session.scalars(
        select(Intake)
        .join(Case, Case.household_id == Intake.household_id)
        .group_by(Intake.id)
        .having(func.count(Case.id) >= 3)
        .order_by(Intake.id)
    ).first()
    household = intake.household
    n_cases = db.session.scalar(select(func.count()).where(Case.household_id == household.id))
    subjects = set(
        db.session.scalars(select(Case.person_id).where(Case.household_id == household.id))
    )
    member = household.members[-1]

    page.goto(base + "/")
    page.get_by_role("link", name="办件查询").first.click()
    page.get_by_label("办件编号").fill(intake.receipt_no)
    page.get_by_label("身份证号码后四位").fill(
        "0000" if member.id_number[-4:] != "0000" else "1111"
    )
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("alert")).to_contain_text("未查询到办件")
    assert page.locator("table").count() == 0
    # what was typed stays
    assert page.get_by_label("办件编号").input_value() == intake.receipt_no
    shot(page, "40-resident-lookup-wrong")

    page.get_by_label("身份证号码后四位").fill(member.id_number[-4:])
    page.get_by_role("button", name="查询").click()
    page.wait_for_selector("text=办理进度")
    assert page.locator("[data-case]").count() == n_cases
    text = page.locator("main").inner_text()
    for label in ("当前环节", "受理日期"):
        assert label in text
    assert any(word in text for word in ("办理中", "需补正", "暂停计时", "已办结"))
    shown = set(page.locator("[data-member]").all_inner_texts())
    for p in household.members:  # members with a case appear masked (王*国), never whole
        assert p.id not in subjects or mask_name(p.name) in shown
    for p in household.members:  # no names, ID numbers, address or phone
        assert p.name not in text and p.id_number not in text
    assert household.phone not in text and (household.address or "@@") not in text
    shot(page, "41-resident-lookup")

    check_widths(page, {"lookup": base + "/query/"}, "42-resident")
