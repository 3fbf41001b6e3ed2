"""The resident lookup gives nothing without the last four ID characters, at both doors,
and its limits hold per receipt number without locking out a shared address."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import NOW, post_form
from transfers.cases.services import open_intake
from transfers.deadlines.suspension import suspend
from transfers.engine import act, open_task
from transfers.public.lookup import normalize_receipt, normalize_tail
from workflows.idcard import mask_name
from workflows.roles import Role


@pytest.fixture()
def receipt(db, make_household, make_user):  # type: ignore[no-untyped-def]
    household = make_household()
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    person = household.members[0]
    intake = open_intake(household=household, requests=[(person, "hukou")], actor=staff, now=NOW)
    db.session.commit()
    return intake.receipt_no, person.id_number[-4:]


BLANK_TAILS = ["    ", "\u3000\u3000\u3000\u3000", "", "12", "12345", "ABCD", "1 2"]


@pytest.mark.parametrize("tail", BLANK_TAILS)
def test_api_refuses_a_tail_that_is_not_four_id_characters(client, receipt, tail):
    number, _ = receipt
    resp = client.get("/api/v1/public/status", query_string={"receipt_no": number, "id_tail": tail})
    assert resp.status_code in (404, 422)
    assert "items" not in (resp.get_json() or {})


@pytest.mark.parametrize("tail", BLANK_TAILS)
def test_form_refuses_a_tail_that_is_not_four_id_characters(client, receipt, tail):
    number, _ = receipt
    resp = post_form(client, "/query/", {"receipt_no": number, "id_tail": tail})
    html = resp.get_data(as_text=True)
    assert "办理进度" not in html


def test_receipt_with_or_without_dashes_and_full_width_tail(client, receipt):
    number, tail = receipt
    wide = tail.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    for asked in (number, number.replace("-", ""), f" {number} "):
        resp = post_form(client, "/query/", {"receipt_no": asked, "id_tail": wide})
        assert "办理进度" in resp.get_data(as_text=True), asked
        api = client.get(
            "/api/v1/public/status", query_string={"receipt_no": asked, "id_tail": tail}
        )
        assert api.status_code == 200 and api.get_json()["items"]


def test_normalisation():
    assert normalize_tail("\u3000\u3000\u3000\u3000") is None
    assert normalize_tail(" 123x ") == "123X"
    assert normalize_tail("１２３４") == "1234"
    assert normalize_receipt("411221202611020001") == "411221-20261102-0001"
    assert normalize_receipt("411221-20261102-0001") == "411221-20261102-0001"


def test_guesses_on_one_receipt_are_limited_across_addresses(app, client, receipt):
    number, _ = receipt
    codes = []
    for i in range(11):
        resp = client.get(
            "/api/v1/public/status",
            query_string={"receipt_no": number, "id_tail": f"{i:04d}"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"},
        )
        codes.append(resp.status_code)
    assert codes[:10] == [404] * 10 and codes[10] == 429


def test_a_shared_address_is_not_locked_out_by_one_family(client, receipt):
    """A village hall: one family mistypes its number ten times, the next family's
    lookup from the same address still works (the form door, then the API)."""
    number, tail = receipt
    for i in range(12):
        post_form(client, "/query/", {"receipt_no": "411221-20261102-9999", "id_tail": f"{i:04d}"})
    resp = post_form(client, "/query/", {"receipt_no": number, "id_tail": tail})
    assert resp.status_code == 200 and "办理进度" in resp.get_data(as_text=True)
    resp = client.get("/api/v1/public/status", query_string={"receipt_no": number, "id_tail": tail})
    assert resp.status_code == 200


# --- what the lookup tells a family ---------------------------------------------------
SUBMIT = {"option": "site_address", "building": "3", "unit": "2", "door": "501"}


@pytest.fixture()
def family(db, make_household, make_user):  # type: ignore[no-untyped-def]
    """A household of 王建国 with a hukou case submitted to the police station."""
    household = make_household()
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    police = make_user(Role.POLICE_STATION, "411221100")
    person = household.members[0]
    intake = open_intake(household=household, requests=[(person, "hukou")], actor=staff, now=NOW)
    case = intake.cases[0]
    act(case_id=case.id, action="submit", actor=staff, seen_version=None, data=SUBMIT, now=NOW)
    db.session.commit()
    return intake.receipt_no, person, staff, police, case


def _looked_up(client, receipt_no: str, tail: str) -> str:
    resp = post_form(client, "/query/", {"receipt_no": receipt_no, "id_tail": tail})
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_names_are_masked_and_the_office_and_due_date_shown(client, family):
    number, person, _staff, _police, case = family
    html = _looked_up(client, number, person.id_number[-4:])
    assert person.name not in html and person.id_number not in html
    assert mask_name(person.name) in html and "王*国" in html
    task = open_task(case)
    assert "派出所" in html and f"{task.due_on.year}年" in html
    assert "办理中" in html and "受理登记" in html  # the finished step is listed too


def test_a_returned_case_says_what_to_bring(client, db, family):
    number, person, _staff, police, case = family
    reason = "请补交户口簿原件及安置房分配证明"
    act(
        case_id=case.id,
        action="return",
        actor=police,
        seen_version=None,
        data={"reason": reason},
        now=NOW + timedelta(hours=1),
    )
    db.session.commit()
    html = _looked_up(client, number, person.id_number[-4:])
    assert "需补正" in html and reason in html and "已退回补正" in html


def test_a_suspended_case_says_why_and_until_what(client, db, family):
    number, person, _staff, police, case = family
    suspend(
        open_task(case),
        actor=police,
        reason="等待原籍派出所出具户籍证明",
        now=NOW + timedelta(hours=1),
        missing_items=["原籍户籍证明"],
    )
    db.session.commit()
    html = _looked_up(client, number, person.id_number[-4:])
    assert "暂停计时" in html and "等待原籍派出所出具户籍证明" in html
    assert "补齐以下材料后恢复计时：原籍户籍证明" in html
    assert "需补正" in html  # the missing document is what to bring
    assert "暂停计时中，恢复后顺延" in html and "超期" not in html  # no light while stopped


@pytest.mark.parametrize(("days", "verdict"), [(1, "已办结（按时）"), (40, "已办结（超时）")])
def test_a_closed_case_says_whether_it_was_on_time(client, db, family, days, verdict):
    number, person, _staff, police, case = family
    act(
        case_id=case.id,
        action="approve",
        actor=police,
        seen_version=None,
        data={"new_address": "幸福社区3栋2单元501", "registered_on": "2026-11-03"},
        now=NOW + timedelta(days=days),
    )
    db.session.commit()
    html = _looked_up(client, number, person.id_number[-4:])
    other = "已办结（超时）" if verdict == "已办结（按时）" else "已办结（按时）"
    assert verdict in html and other not in html


@pytest.mark.parametrize("shape", ["spaces", "plain", "wide"])
def test_receipt_numbers_in_the_shapes_people_type(client, family, shape):
    number, person, *_ = family
    asked = {
        "spaces": number.replace("-", " "),
        "plain": number.replace("-", ""),
        "wide": number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-"}),
    }[shape]
    assert "办理进度" in _looked_up(client, asked, person.id_number[-4:].lower())


def test_the_wait_page_says_how_long_and_leads_back_to_the_lookup(client, family):
    number, *_ = family
    for i in range(10):
        post_form(client, "/query/", {"receipt_no": number, "id_tail": f"{i:04d}"})
    resp = post_form(client, "/query/", {"receipt_no": number, "id_tail": "0010"})
    assert resp.status_code == 429
    wait = int(resp.headers["Retry-After"])
    assert 0 < wait <= 3600
    html = resp.get_data(as_text=True)
    assert "请在" in html and ("秒" in html or "分钟" in html)
    assert 'href="/query/"' in html and "返回办件查询" in html
    assert "/auth/login" not in html.split("<main", 1)[-1]


def test_api_rows_carry_the_same_state(client, db, family):
    number, person, _staff, police, case = family
    act(
        case_id=case.id,
        action="return",
        actor=police,
        seen_version=None,
        data={"reason": "材料不全"},
        now=NOW + timedelta(hours=1),
    )
    db.session.commit()
    resp = client.get(
        "/api/v1/public/status",
        query_string={"receipt_no": number, "id_tail": person.id_number[-4:]},
    )
    (row,) = resp.get_json()["items"]
    assert row["state"] == "correction" and row["bring"] == ["材料不全"]
    assert row["member"] == mask_name(person.name) and row["office"]


def test_a_wrong_receipt_and_a_wrong_tail_get_the_same_answer(client, family):
    number, person, *_ = family
    tail = person.id_number[-4:]
    wrong_tail = "0000" if tail != "0000" else "1111"
    other = number[:-4] + ("9999" if not number.endswith("9999") else "9998")

    def answer(receipt_no: str, id_tail: str) -> str:
        html = _looked_up(client, receipt_no, id_tail)
        return html.split('role="alert">', 1)[1].split("<", 1)[0]

    assert (
        answer(other, tail)
        == answer(number, wrong_tail)
        == ("未查询到办件。请核对办件编号和身份证号码后四位。")
    )


def test_the_api_429_says_how_long_to_wait(client, receipt):
    """The API's refusal carries Retry-After (seconds) and says the same wait in its body."""
    number, _ = receipt
    for i in range(11):
        asked = {"receipt_no": number, "id_tail": f"{i:04d}"}
        resp = client.get("/api/v1/public/status", query_string=asked)
    assert resp.status_code == 429 and resp.mimetype == "application/problem+json"
    wait = int(resp.headers["Retry-After"])
    assert 0 < wait <= 61  # the breached limit is ten a minute
    body = resp.get_json()
    assert body["retry_after"] == wait
    assert body["detail"] == f"请求过于频繁，请在 {wait} 秒后再试"
    assert body["type"] == "/api/v1/docs#problem-too-many-requests"
