"""The resident lookup gives nothing without the last four ID characters, at both doors,
and its limits hold per receipt number without locking out a shared address."""

from __future__ import annotations

import pytest

from tests.conftest import NOW, post_form
from transfers.cases.services import open_intake
from transfers.public.lookup import normalize_receipt, normalize_tail
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
