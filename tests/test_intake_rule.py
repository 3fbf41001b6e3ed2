"""One intake rule at both doors: the household page's form and POST /api/v1/intakes
refuse a procedure that does not apply to the member, with the same reason naming the
member, and write nothing; a procedure that applies is accepted at both."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import login, post_form
from transfers.api.tokens import create_token
from transfers.cases.models import Case, Intake
from transfers.db import utcnow
from workflows.roles import Role

VILLAGE = "411221100201"


def _household(make_household, db, case: str):  # type: ignore[no-untyped-def]
    if case == "membership_same_collective":
        return make_household(origin=VILLAGE, destination=VILLAGE)
    hh = make_household()
    if case == "membership_non_member":
        hh.members[0].collective_member = False
        db.session.commit()
    return hh


# (household, procedure, the reason the rule gives)
REFUSED = [
    (
        "membership_same_collective",
        "collective_membership",
        "未跨集体经济组织搬迁，无需确认成员身份",
    ),
    ("default", "assistance", "非低保、特困救助对象"),
    ("default", "party", "非中共党员"),
    ("membership_non_member", "collective_membership", "非迁出地集体经济组织成员"),
]


def _written(db) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return count(Case), count(Intake)


def _by_web(app, staff, hh, procedure):  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, staff)
    resp = post_form(
        client,
        f"/households/{hh.id}",
        {"open": f"{hh.members[0].id}:{procedure}"},
        post_url=f"/households/{hh.id}/intake",
        follow_redirects=True,
    )
    return resp.status_code, resp.get_data(as_text=True)


def _by_api(app, db, staff, hh, procedure):  # type: ignore[no-untyped-def]
    _, secret = create_token(staff, "intake", now=utcnow())
    db.session.commit()
    resp = app.test_client().post(
        "/api/v1/intakes",
        headers={"Authorization": f"Bearer {secret}"},
        json={
            "household_id": hh.id,
            "requests": [{"person_id": hh.members[0].id, "procedure": procedure}],
        },
    )
    return resp


@pytest.mark.parametrize("kind,procedure,reason", REFUSED)
def test_both_doors_refuse_what_does_not_apply_with_the_same_reason(
    app, db, make_user, make_household, kind, procedure, reason
):
    staff = make_user(Role.VILLAGE_STAFF, VILLAGE)
    hh = _household(make_household, db, kind)
    name = hh.members[0].name

    status, page = _by_web(app, staff, hh, procedure)
    assert status == 200 and reason in page and f"{name}不能受理" in page
    assert _written(db) == (0, 0)

    resp = _by_api(app, db, staff, hh, procedure)
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    detail = resp.get_json(force=True)["detail"]
    assert reason in detail and detail.startswith(f"{name}不能受理")
    assert detail in page  # the same sentence at both doors
    assert _written(db) == (0, 0)


def test_a_procedure_that_applies_is_accepted_at_both_doors(app, db, make_user, make_household):
    staff = make_user(Role.VILLAGE_STAFF, VILLAGE)
    first, second = make_household(), make_household()

    status, page = _by_web(app, staff, first, "hukou")
    assert status == 200 and "已受理，办件编号" in page
    assert _written(db) == (1, 1)

    resp = _by_api(app, db, staff, second, "hukou")
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert resp.json["cases"][0]["procedure"] == "hukou"
    assert _written(db) == (2, 2)


def test_the_api_refuses_a_person_of_another_household(app, db, make_user, make_household):
    staff = make_user(Role.VILLAGE_STAFF, VILLAGE)
    hh, other = make_household(), make_household()
    _, secret = create_token(staff, "intake", now=utcnow())
    db.session.commit()
    resp = app.test_client().post(
        "/api/v1/intakes",
        headers={"Authorization": f"Bearer {secret}"},
        json={
            "household_id": hh.id,
            "requests": [
                {"person_id": hh.members[0].id, "procedure": "hukou"},
                {"person_id": other.members[0].id, "procedure": "hukou"},
            ],
        },
    )
    assert resp.status_code == 422
    assert resp.get_json(force=True)["errors"] == {"requests-1-person_id": "该人员不是本户成员"}
    assert _written(db) == (0, 0)
