"""Ledgers as offices keep them (place names, title rows, a two-row header, a cover
sheet, the usual synonyms), in a county enabled a moment before: by the village clerk
of the destination community and by a county office with an import grant. Every fault
is reported at its row in Chinese; every valid person is imported with every column."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW, csrf_from, login
from tests.imports.county import (
    elsewhere_rows,
    enable_county,
    faulty_rows,
    first_data_row,
    good_households,
    ledger_workbook,
)
from transfers.households.models import Household, HouseholdEvent, Person
from transfers.imports.grants import grant_import
from transfers.imports.models import ImportBatch, ImportRow
from workflows.roles import Role


def upload(client, content: bytes, name: str = "东明社区台账.xlsx"):  # type: ignore[no-untyped-def]
    page = client.get("/imports/")
    assert page.status_code == 200
    resp = client.post(
        "/imports/",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "file": (io.BytesIO(content), name),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    return resp.headers["Location"]


def run(client, preview_url: str) -> str:  # type: ignore[no-untyped-def]
    html = client.get(preview_url).get_data(as_text=True)
    action = re.search(r'action="(/imports/\d+/run)"', html)
    assert action, html[:3000]
    assert client.post(action.group(1), data={"csrf_token": csrf_from(html)}).status_code == 303
    return client.get(preview_url).get_data(as_text=True)


def errors_by_row(db) -> dict[int, str]:  # type: ignore[no-untyped-def]
    rows = db.session.scalars(select(ImportRow).where(ImportRow.status == "invalid")).all()
    return {r.row_no: "；".join(e["message"] for e in r.errors) for r in rows}


@pytest.fixture()
def county(geo, db):  # type: ignore[no-untyped-def]
    return enable_county(geo)


def _assert_every_column_kept(db) -> None:  # type: ignore[no-untyped-def]
    people = {p.name: p for p in db.session.scalars(select(Person))}
    zhang, li, wang = people["张卫东"], people["李桂兰"], people["王海"]
    assert zhang.party_status == "full" and zhang.collective_member is True
    assert zhang.assistance == "tekun" and li.assistance == "tekun"  # 特困, the short word
    assert zhang.pension_status == "receiving" and zhang.facts["ethnicity"] == "回族"
    assert zhang.facts["phone"] == "13800000001" and li.facts["phone"] == "13800000002"
    assert zhang.household.phone == "13800000001"  # the head's phone is the household's
    assert zhang.birth_date == date(1958, 4, 12) and li.sex == "F"
    assert zhang.household.site.name == "东明社区集中安置点"
    assert zhang.household.moved_on == date(2025, 6, 30)
    assert zhang.household.origin.code == "411224105201"  # 官坡镇南新村, not 汤河乡's
    assert zhang.household_id == li.household_id
    assert wang.collective_member is False and wang.medical_insurance == "employee"
    assert wang.assistance == "dibao_urban" and people["王小雨"].relation == "女"
    zhao = people["赵平安"]
    assert zhao.household.origin.code == "411224105202"  # 兴隆村 by its short name
    assert zhao.party_status == "full" and zhao.assistance == "dibao_rural"
    assert zhao.pension_status == "none" and zhao.medical_insurance == "lapsed"
    sun = people["孙建业"]
    assert sun.household.origin.code == "411224105201" and sun.household.site_id is None
    assert sun.household.settlement_mode == "scattered"


def test_village_clerk_imports_a_real_ledger(client, county, make_user, db):  # type: ignore[no-untyped-def]
    clerk = make_user(Role.VILLAGE_STAFF, "411224100201")
    login(client, clerk)
    faults = faulty_rows()
    people = good_households() + faults + elsewhere_rows()
    preview = upload(client, ledger_workbook(people))
    html = client.get(preview).get_data(as_text=True)
    assert "“搬迁户台账”（表头在第4行）" in html  # the second sheet, its two-row header
    assert "序号" in html and "备注" in html  # columns not understood are listed
    # the other community's rows: one summary, nothing kept of them
    assert "2行的迁入地不在您可导入的范围内" in html
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(ImportRow)
            .where(ImportRow.status == "outside", ImportRow.raw != [])
        )
        == 0
    )
    # every fault at its row, in Chinese
    found = errors_by_row(db)
    first = first_data_row() + len(good_households())
    for i, person in enumerate(faults):
        row = first + i
        assert person.fault in found.get(row, ""), (row, person.fault, found.get(row))
        assert f"第{row}行" in html
    assert len(found) == len(faults)
    # the preview shows ID numbers masked only
    assert all(p.id not in html for p in people)
    # the ambiguous name is offered with its candidates
    assert "官坡镇南新村" in html and "汤河乡南新村" in html

    done = run(client, preview)
    assert "新建 4 户、6 人" in done
    _assert_every_column_kept(db)
    assert db.session.scalar(select(func.count()).select_from(Household)) == 4
    events = db.session.scalars(select(HouseholdEvent)).all()
    assert {e.actor_id for e in events} == {clerk.id} and {e.channel for e in events} == {"import"}
    # imported and outside rows are gone; the wrong ones wait for their fix (7 days at most)
    statuses = set(db.session.scalars(select(ImportRow.status).distinct()))
    assert statuses == {"invalid"}


def test_county_office_with_an_import_grant_imports_the_whole_county(client, county, make_user, db):  # type: ignore[no-untyped-def]
    office = make_user(Role.CIVIL_AFFAIRS_BUREAU, "411224")
    login(client, office)
    assert client.get("/imports/").status_code == 403  # no grant yet
    grant_import(office, "411224", now=NOW)
    db.session.commit()
    preview = upload(client, ledger_workbook(good_households() + elsewhere_rows()))
    html = client.get(preview).get_data(as_text=True)
    assert "不在您可导入的范围内" not in html
    done = run(client, preview)
    assert "新建 5 户、8 人" in done
    xi = db.session.scalars(select(Person).where(Person.name == "秦西城")).one()
    assert xi.household.destination.name == "西城社区"
    _assert_every_column_kept(db)


def test_a_place_name_confirmed_once_applies_to_the_whole_file(client, county, make_user, db):  # type: ignore[no-untyped-def]
    clerk = make_user(Role.VILLAGE_STAFF, "411224100201")
    login(client, clerk)
    people = good_households()
    for p in people:
        p.origin = "南新村"  # ambiguous on every row
    preview = upload(client, ledger_workbook(people))
    html = client.get(preview).get_data(as_text=True)
    assert len(errors_by_row(db)) == len(people)
    batch = db.session.scalars(select(ImportBatch)).one()
    (problem,) = batch.place_problems
    chosen = next(c["id"] for c in problem["candidates"] if c["name"].endswith("官坡镇南新村"))
    bogus = client.post(
        f"/imports/{batch.id}/places",
        data={"csrf_token": csrf_from(html), "place-0": str(county["411224100202"].id)},
    )
    assert bogus.status_code == 303
    assert "选择无效" in client.get(preview).get_data(as_text=True)
    client.post(
        f"/imports/{batch.id}/places", data={"csrf_token": csrf_from(html), "place-0": str(chosen)}
    )
    db.session.expire_all()
    assert errors_by_row(db) == {}
    run(client, preview)
    origins = set(db.session.scalars(select(Household.origin_jurisdiction_id)))
    assert origins == {county["411224105201"].id}


def test_an_administrator_creates_the_ledgers_new_site(client, county, make_user, db):  # type: ignore[no-untyped-def]
    admin = make_user(Role.ADMIN, "41")
    clerk = make_user(Role.VILLAGE_STAFF, "411224100201")
    people = [p for p in faulty_rows() if p.hh == "F-13"]
    login(client, clerk)
    html = client.get(upload(client, ledger_workbook(people))).get_data(as_text=True)
    assert "请系统管理员新建" in html and 'name="site"' not in html
    client.post("/logout", data={"csrf_token": csrf_from(html)})
    login(client, admin)
    preview = upload(client, ledger_workbook(people))
    html = client.get(preview).get_data(as_text=True)
    batch_id = int(preview.rsplit("/", 1)[1])
    client.post(f"/imports/{batch_id}/sites", data={"csrf_token": csrf_from(html), "site": "0"})
    html = run(client, preview)
    assert "新建 1 户、1 人" in html
    person = db.session.scalars(select(Person)).one()
    assert person.household.site.name == "东明二期安置点"
