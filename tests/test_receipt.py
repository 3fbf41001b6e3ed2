"""The receipt (受理回执) promises a completion date, gives the office's phone and the
lookup address with a QR code that opens the lookup with the number filled in, and has a
line for the applicant's signature."""

from __future__ import annotations

import re

import pytest

from tests.conftest import NOW, login
from transfers.cases.services import open_intake
from transfers.deadlines.services import due_date
from transfers.engine import open_task
from transfers.public.receipt import forward_moves, office_phone, promised_dates
from workflows.registry import get_procedure
from workflows.roles import Role


@pytest.fixture()
def intake(db, geo, make_user, make_household):  # type: ignore[no-untyped-def]
    geo["411221100201"].phone = "0398-4816618"
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household(origin="411203105201", area="411203")  # across counties
    head = hh.members[0]
    made = open_intake(
        household=hh, requests=[(head, "hukou"), (head, "pension")], actor=staff, now=NOW
    )
    db.session.commit()
    return staff, made


def test_a_return_is_never_part_of_the_way_forward():
    hukou = get_procedure("hukou")
    forward = forward_moves(hukou)
    assert "police_review" in forward["application"]
    assert "application" not in forward["police_review"]


def test_the_promise_adds_the_later_steps_to_the_current_due_date(db, intake):
    _staff, made = intake
    hukou, pension = sorted(made.cases, key=lambda c: c.procedure != "hukou")
    promised = promised_dates(list(made.cases))
    task = open_task(hukou)
    police = due_date("hukou", "police_review", hukou.jurisdiction_path, task.due_on)
    assert police is not None and promised[hukou.id] >= police > task.due_on
    assert promised[pension.id] >= promised[hukou.id]  # pension waits for the hukou case


def test_the_phone_is_the_office_s_or_its_nearest_parent_s(db, geo):
    assert office_phone(geo["411221100201"]) == ("", "幸福社区")
    geo["411221100"].phone = "0398-4811025"
    assert office_phone(geo["411221100201"]) == ("0398-4811025", "城关镇")
    geo["411221100201"].phone = "0398-4816618"
    assert office_phone(geo["411221100201"]) == ("0398-4816618", "幸福社区")


def test_the_receipt_page(client, db, intake):
    staff, made = intake
    login(client, staff)
    html = client.get(f"/cases/receipts/{made.receipt_no}").get_data(as_text=True)
    promised = promised_dates(list(made.cases))
    latest = max(promised.values())
    assert "承诺办结日期" in html and f"{latest.year}年{latest.month}月{latest.day}日" in html
    assert "0398-4816618" in html
    assert re.search(r'<svg viewBox="0 0 \d+ \d+" class="segno">', html)
    assert "申请人（签名）" in html and "盖章" in html
    url = re.search(r"data-lookup-url>([^<]+)<", html).group(1)
    assert url.startswith("http") and "/query/?receipt_no=" in url
    # the address opens the lookup with the receipt number filled in
    path = url.split("localhost", 1)[1]
    lookup = client.get(path.replace("&amp;", "&")).get_data(as_text=True)
    assert f'value="{made.receipt_no}"' in lookup


def test_every_demo_procedure_gets_a_promise(app, db):
    """All procedures of the demo county, open or closed, waiting or suspended."""
    from sqlalchemy import select

    from transfers.cases.models import Intake
    from transfers.db import utcnow
    from transfers.demo import load_demo
    from workflows.calendar import local_date

    load_demo(households=40)
    db.session.commit()
    today = local_date(utcnow())
    seen = set()
    for intake in db.session.scalars(select(Intake)):
        promised = promised_dates(list(intake.cases))
        for case in intake.cases:
            seen.add(case.procedure)
            day = promised[case.id]
            assert day is not None
            if case.closed_at is None:
                assert day >= today, (case.procedure, case.state)
    assert len(seen) >= 5, seen
