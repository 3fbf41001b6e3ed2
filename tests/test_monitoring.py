"""Standing monitoring of medical insurance: registering a household with an uninsured or
lapsed member opens the agency's follow-up by itself, at every door (form, API, ledger
import), and the agency sees its monthly list."""

from __future__ import annotations

import csv
from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import NOW, login, make_id, post_form
from tests.test_api import household_body, token_for
from tests.test_web import _household_form
from transfers.cases.models import Case
from transfers.engine import act, open_task
from transfers.imports.ledger import COLUMNS
from transfers.tasks.models import Task
from workflows.roles import Role

DEST = "411221100201"


def _follow_ups(db) -> list[Case]:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return list(
        db.session.scalars(select(Case).where(Case.procedure == "medical").order_by(Case.id))
    )


def _assert_one_follow_up_for_the_agency(db, name: str) -> Case:  # type: ignore[no-untyped-def]
    [case] = _follow_ups(db)
    assert case.person.name == name and case.state == "follow_up"
    task = db.session.scalar(select(Task).where(Task.case_id == case.id))
    assert task.role == Role.MEDICAL_INSURANCE_AGENCY and task.closed_at is None
    return case


def test_the_web_form_opens_the_follow_up(client, make_user, geo, db):
    login(client, make_user(Role.VILLAGE_STAFF, DEST))
    data = _household_form(
        geo["411221205201"].id,
        geo[DEST].id,
        geo.site.id,
        [("王建国", make_id(seq=1), "户主"), ("李秀英", make_id(seq=2, sex="F"), "配偶")],
    )
    data["members-1-medical_insurance"] = "none"
    assert post_form(client, "/households/new", data).status_code == 302
    _assert_one_follow_up_for_the_agency(db, "李秀英")


def test_the_api_opens_the_follow_up(client, make_user, db):
    staff = make_user(Role.VILLAGE_STAFF, DEST)
    body = household_body(settlement_mode="scattered")
    body["members"][0]["medical_insurance"] = "lapsed"
    resp = client.post("/api/v1/households", json=body, headers=token_for(db, staff))
    assert resp.status_code == 201, resp.get_data(as_text=True)
    _assert_one_follow_up_for_the_agency(db, "王建国")


def test_the_ledger_import_opens_the_follow_up(app, make_user, geo, db, tmp_path):
    index = {c.key: i for i, c in enumerate(COLUMNS)}
    path = tmp_path / "台账.csv"
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh)
        out.writerow([c.header for c in COLUMNS])
        for m, (name, insurance) in enumerate((("王建国", "城乡居民医保"), ("李秀英", "未参保"))):
            row = [""] * len(COLUMNS)
            row[index["household_no"]] = "1"
            row[index["name"]] = name
            row[index["id_number"]] = make_id(seq=m + 1, sex="F" if m else "M")
            row[index["relation"]] = "户主" if m == 0 else "配偶"
            row[index["origin_code"]] = "411221205201"
            row[index["destination_code"]] = DEST
            row[index["settlement_mode"]] = "分散安置"
            row[index["medical_insurance"]] = insurance
            out.writerow(row)
    result = app.test_cli_runner().invoke(args=["import-ledger", str(path)])
    assert result.exit_code == 0, result.output
    _assert_one_follow_up_for_the_agency(db, "李秀英")


def test_insured_members_open_nothing(client, make_user, db):
    staff = make_user(Role.VILLAGE_STAFF, DEST)
    resp = client.post(
        "/api/v1/households",
        json=household_body(settlement_mode="scattered"),
        headers=token_for(db, staff),
    )
    assert resp.status_code == 201
    assert _follow_ups(db) == []


def test_the_agency_sees_its_monthly_list(app, make_user, make_household, db):
    agency = make_user(Role.MEDICAL_INSURANCE_AGENCY, "411221")
    hh = make_household(members=2, medical=("none", "lapsed"))
    people = hh.members
    assert len(_follow_ups(db)) == 2
    c = app.test_client()
    login(c, agency)
    month = f"{NOW:%Y-%m}"
    page = c.get(f"/monitoring/medical?month={month}").get_data(as_text=True)
    assert 'id="count-uninsured">1<' in page and 'id="count-lapsed">1<' in page
    assert 'id="count-enrolled">0<' in page

    case = next(x for x in _follow_ups(db) if x.person_id == people[0].id)
    act(
        case_id=case.id,
        action="enrolled",
        actor=agency,
        seen_version=case.version,
        data={"insurance": "resident", "enrolled_on": NOW.date().isoformat()},
        now=NOW + timedelta(hours=1),
    )
    db.session.commit()
    assert open_task(case) is None
    page = c.get(f"/monitoring/medical?month={month}").get_data(as_text=True)
    assert 'id="count-uninsured">0<' in page and 'id="count-enrolled">1<' in page
    assert 'id="count-lapsed">1<' in page


def test_other_roles_do_not_see_the_list(client, make_user, db):
    login(client, make_user(Role.VILLAGE_STAFF, DEST))
    assert client.get("/monitoring/medical").status_code == 403


def test_a_bad_month_says_so_and_shows_this_month(client, make_user, db):
    login(client, make_user(Role.COUNTY_SUPERVISOR, "411221"))
    resp = client.get("/monitoring/medical?month=十一月", follow_redirects=True)
    assert resp.status_code == 200 and "月份格式应为" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
