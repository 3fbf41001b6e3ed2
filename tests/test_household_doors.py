"""The three doors of a household registration (web form, REST API, ledger import) share
one validator and one writer: the same duplicate-ID messages, the same registration
event, and no door attaches a person to a household its user cannot see.

The clerk is village staff of 幸福社区 (城关镇, 渑池县). The other household moved from
宫前村 (宫前乡, 陕州区) to 英豪新村 (英豪镇): outside the clerk's jurisdiction.
"""

from __future__ import annotations

import io
import re
from dataclasses import FrozenInstanceError
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW, csrf_from, login, make_id, post_form
from tests.test_api import household_body, token_for
from tests.test_web import _household_form
from transfers.households.models import Household, HouseholdEvent, Person
from transfers.households.services import register_household
from transfers.households.validation import HouseholdInput, MemberInput
from transfers.imports.models import ImportRow
from workflows.roles import Role

DEST = "411221100201"  # 幸福社区
ORIGIN = "411221205201"  # 段村村
NEUTRAL = "该身份证号码已在其他搬迁户登记"
HEADERS = ["户编号", "姓名", "身份证号码", "与户主关系", "迁出地区划代码", "迁入地区划代码"]
HEADERS += ["安置方式", "安置点", "社会救助"]


@pytest.fixture()
def clerk(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.VILLAGE_STAFF, DEST)


@pytest.fixture()
def elsewhere(make_household):  # type: ignore[no-untyped-def]
    """A household of another township and county: 宫前村 -> 英豪新村."""
    return make_household(
        origin="411203105201", destination="411221101201", settlement_mode="scattered"
    )


def _form(geo, name: str, number: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The registration form as a browser posts it: one member and five blank rows."""
    data = _household_form(geo[ORIGIN].id, geo[DEST].id, 0, [(name, number, "户主")])
    data["settlement_mode"] = "scattered"
    data["members-0-assistance"] = "dibao_rural"
    return data


def _api_body(name: str, number: str) -> dict[str, object]:
    body: dict[str, object] = household_body(settlement_mode="scattered")
    body["members"] = [
        {"name": name, "id_number": number, "relation": "户主", "assistance": "dibao_rural"}
    ]
    return body


def _ledger(rows: list[list[str]]) -> bytes:
    lines = [",".join(HEADERS)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def _upload(client, content: bytes):  # type: ignore[no-untyped-def]
    page = client.get("/imports/").get_data(as_text=True)
    resp = client.post(
        "/imports/",
        data={"csrf_token": csrf_from(page), "file": (io.BytesIO(content), "幸福社区台账.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:1000]
    return resp.headers["Location"]


def _run(client, preview_url: str) -> None:  # type: ignore[no-untyped-def]
    html = client.get(preview_url).get_data(as_text=True)
    action = re.search(r'action="(/imports/\d+/run)"', html)
    if action:
        client.post(action.group(1), data={"csrf_token": csrf_from(html)})


def test_form_names_the_holder_only_inside_the_clerks_jurisdiction(
    client, clerk, make_household, elsewhere, geo, db
):
    mine = make_household()  # 段村村 -> 幸福社区: the clerk sees it
    login(client, clerk)
    resp = post_form(
        client, "/households/new", _form(geo, "侯婷珍", elsewhere.members[0].id_number)
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and NEUTRAL in html
    assert resp.headers["Cache-Control"] == "no-store"  # it holds the numbers typed
    assert elsewhere.members[0].name not in html  # nobody named outside the jurisdiction
    resp = post_form(client, "/households/new", _form(geo, "侯婷珍", mine.members[1].id_number))
    assert f"该身份证号码已登记在{mine.members[1].name}名下" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Household)) == 2


def test_api_names_the_holder_only_inside_the_clerks_jurisdiction(
    client, clerk, make_household, elsewhere, db
):
    mine = make_household()
    headers = token_for(db, clerk)
    resp = client.post(
        "/api/v1/households",
        json=_api_body("侯婷珍", elsewhere.members[0].id_number),
        headers=headers,
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert NEUTRAL in resp.get_json(force=True)["errors"]["members-0-id_number"]
    assert elsewhere.members[0].name not in body
    resp = client.post(
        "/api/v1/households", json=_api_body("侯婷珍", mine.members[0].id_number), headers=headers
    )
    assert mine.members[0].name in resp.get_json(force=True)["errors"]["members-0-id_number"]


def test_import_never_adopts_into_a_household_the_clerk_cannot_see(client, clerk, elsewhere, db):
    """A 农村低保 person of another township's household, listed in the clerk's ledger."""
    login(client, clerk)
    assert client.get(f"/households/{elsewhere.id}").status_code == 403
    taken = elsewhere.members[1]
    rows = [
        ["1", "侯婷珍", taken.id_number, "户主", ORIGIN, DEST, "分散安置", "", "农村低保"],
        ["1", "侯小军", make_id(birth=date(2008, 3, 3), seq=77), "子", ORIGIN, DEST, "分散安置"]
        + ["", ""],
        ["2", "郭志强", make_id(birth=date(1968, 9, 9), seq=81), "户主", ORIGIN, DEST]
        + ["分散安置", "", "农村低保"],
    ]
    preview = _upload(client, _ledger(rows))
    page = client.get(preview)
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert NEUTRAL in html and taken.name not in html
    assert "整户暂不导入" in html  # the family waits whole
    _run(client, preview)
    db.session.expire_all()
    assert len(db.session.get(Household, elsewhere.id).members) == 2  # untouched
    assert db.session.scalar(select(func.count()).where(Person.name == "侯小军")) == 0
    guo = db.session.scalars(select(Person).where(Person.name == "郭志强")).one()
    assert guo.assistance == "dibao_rural" and guo.household.destination.code == DEST
    event = db.session.scalars(
        select(HouseholdEvent).where(HouseholdEvent.household_id == guo.household_id)
    ).one()
    assert (event.kind, event.channel, event.actor_id) == ("registered", "import", clerk.id)
    assert event.data["members"] == 1 and event.data["batch_id"]
    errors_xlsx = client.get(preview + "/errors.xlsx")
    assert errors_xlsx.status_code == 200 and errors_xlsx.headers["Cache-Control"] == "no-store"
    conflict = db.session.scalars(select(ImportRow).where(ImportRow.row_no == 2)).one()
    assert conflict.status == "invalid"
    assert {"column": "身份证号码", "message": NEUTRAL} in conflict.errors


def test_every_door_records_the_registration(client, clerk, geo, db):
    login(client, clerk)
    resp = post_form(client, "/households/new", _form(geo, "侯婷珍", make_id(seq=5, sex="F")))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1000]
    api = client.post(
        "/api/v1/households",
        json=_api_body("郭志强", make_id(seq=6)),
        headers=token_for(db, clerk),
    )
    assert api.status_code == 201
    _run(
        client,
        _upload(
            client,
            _ledger([["9", "马春燕", make_id(seq=7, sex="F"), "户主", ORIGIN, DEST, "分散安置"]
                     + ["", ""]]),
        ),
    )  # fmt: skip
    events = db.session.scalars(select(HouseholdEvent).order_by(HouseholdEvent.id)).all()
    assert [(e.channel, e.actor_id, e.kind) for e in events] == [
        ("form", clerk.id, "registered"),
        ("api", clerk.id, "registered"),
        ("import", clerk.id, "registered"),
    ]
    households = db.session.scalars(select(Household)).all()
    assert {e.household_id for e in events} == {h.id for h in households}
    assert all(h.facts == {} for h in households)
    page = client.get(f"/households/{events[2].household_id}").get_data(as_text=True)
    assert "data-registration" in page and "台账导入" in page and clerk.display_name in page


def test_household_input_refuses_unknown_keys(geo, db):
    with pytest.raises(TypeError):
        HouseholdInput(  # type: ignore[call-arg]
            origin_id=1, destination_id=2, settlement_mode="scattered", members=(), has_house=True
        )
    with pytest.raises(TypeError):
        register_household(  # type: ignore[call-arg]
            origin=geo[ORIGIN],
            destination=geo[DEST],
            site=None,
            settlement_mode="scattered",
            members=[MemberInput("侯婷珍", make_id(seq=9, sex="F"), "户主")],
            actor=None,
            now=NOW,
            lives_at_destinaton=True,  # a typo is refused, not stored
        )
    member = MemberInput("侯婷珍", make_id(seq=9, sex="F"), "户主")
    with pytest.raises(FrozenInstanceError):
        member.name = "别人"  # type: ignore[misc]
    assert db.session.scalar(select(func.count()).select_from(Household)) == 0
