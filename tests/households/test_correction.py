"""更正登记: a household or member corrected with a reason, logged as a household event;
proposals computed again; open cases updated or flagged for review; bad input refused
with its reason and nothing changed."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import select

from tests.conftest import NOW, login, make_id, post_form
from transfers.cases.models import Event
from transfers.cases.services import open_intake
from transfers.engine import PermissionDenied
from transfers.households.correction import correct_household
from transfers.households.correction_fields import HouseholdCorrection, MemberCorrection
from transfers.households.models import HouseholdEvent, Person
from transfers.households.validation import HouseholdError
from workflows.registry import PROCEDURES
from workflows.roles import Role


def _as_is(household, members=None, **changes):  # type: ignore[no-untyped-def]
    """The household's registration as a correction that changes `changes` (and, for
    member row i, `members[i]`)."""
    fields = ("name", "id_number", "relation", "party_status", "collective_member")
    fields += ("pension_status", "medical_insurance", "assistance", "registered_poor")
    rows = tuple(
        MemberCorrection(
            person_id=p.id,
            **{**{f: getattr(p, f) for f in fields}, **(members or {}).get(i, {})},
        )
        for i, p in enumerate(household.members)
    )
    data = HouseholdCorrection(
        reason="登记时录错，已核对户口簿",
        settlement_mode=household.settlement_mode,
        site_id=household.site_id,
        moved_on=household.moved_on,
        address=household.address,
        phone=household.phone,
        lives_at_destination=household.lives_at_destination,
        has_destination_housing=household.has_destination_housing,
        has_destination_homestead=household.has_destination_homestead,
        has_destination_contracted_land=household.has_destination_contracted_land,
        members=rows,
    )
    return replace(data, **changes)


@pytest.fixture()
def registered(db, make_user, make_household):  # type: ignore[no-untyped-def]
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household(members=2)
    intake = open_intake(
        household=hh,
        requests=[(hh.members[0], "hukou"), (hh.members[1], "hukou")],
        actor=staff,
        now=NOW,
    )
    db.session.commit()
    return staff, hh, intake.cases


def test_a_wrong_name_is_corrected_and_its_open_case_updated(db, registered):
    staff, hh, cases = registered
    result = correct_household(
        hh, _as_is(hh, members={1: {"name": "李秀芳"}}), actor=staff, now=NOW, channel="form"
    )
    db.session.commit()
    assert hh.members[1].name == "李秀芳" and hh.members[1].name_initials == "lxf"
    assert [c.id for c in result.updated] == [cases[1].id] and result.flagged == []
    event = db.session.scalars(
        select(HouseholdEvent).where(HouseholdEvent.kind == "corrected")
    ).one()
    assert event.actor_id == staff.id and event.data["reason"] == "登记时录错，已核对户口簿"
    assert event.data["changes"] == [
        {"person": "李秀英", "field": "name", "label": "姓名", "old": "李秀英", "new": "李秀芳"}
    ]
    note = db.session.scalars(
        select(Event).where(Event.case_id == cases[1].id, Event.kind == "reevaluated")
    ).one()
    assert note.data["text"] == "更正登记：李秀英姓名由“李秀英”改为“李秀芳”"
    assert not db.session.scalars(
        select(Event).where(Event.case_id == cases[0].id, Event.kind == "reevaluated")
    ).all()


def test_a_rule_fact_flags_the_open_cases_and_proposals_are_recomputed(db, registered):
    staff, hh, cases = registered
    result = correct_household(
        hh,
        _as_is(hh, members={1: {"medical_insurance": "lapsed", "party_status": "full"}}),
        actor=staff,
        now=NOW,
        channel="form",
    )
    db.session.commit()
    assert [c.id for c in result.flagged] == [cases[1].id]
    assert ["李秀英", PROCEDURES["party"].label] in result.proposed
    text = db.session.scalars(
        select(Event.data).where(Event.case_id == cases[1].id, Event.kind == "reevaluated")
    ).one()["text"]
    assert "医疗保险由“城乡居民医保”改为“断保/停保未续保”" in text and "请复核" in text


def test_a_new_id_number_is_checked_and_masked_in_the_log(db, registered, make_household):
    staff, hh, _cases = registered
    other = make_household(members=1)
    taken = other.members[0].id_number
    for number, message in [
        (make_id(seq=77)[:-1] + ("0" if make_id(seq=77)[-1] != "0" else "1"), "校验位"),
        (taken, "不能重复登记"),
    ]:
        with pytest.raises(HouseholdError) as e:
            correct_household(
                hh,
                _as_is(hh, members={0: {"id_number": number}}),
                actor=staff,
                now=NOW,
                channel="form",
            )
        db.session.rollback()
        assert message in e.value.errors["members-0-id_number"]
    fixed = make_id(seq=77)
    correct_household(
        hh, _as_is(hh, members={0: {"id_number": fixed}}), actor=staff, now=NOW, channel="form"
    )
    db.session.commit()
    assert db.session.get(Person, hh.members[0].id).id_number == fixed
    events = select(HouseholdEvent.data).order_by(HouseholdEvent.id)
    change = db.session.scalars(events).all()[-1]["changes"][0]
    assert change["new"] == fixed[:6] + "********" + fixed[-4:]


def test_refusals_change_nothing(db, registered, make_user):
    staff, hh, _cases = registered
    name = hh.members[0].name
    for data, key in [
        (_as_is(hh, reason="", members={0: {"name": "王建华"}}), "reason"),
        (_as_is(hh), "reason"),  # nothing to correct
        (_as_is(hh, members={1: {"relation": "户主"}}), "members"),  # two heads
    ]:
        with pytest.raises(HouseholdError) as e:
            correct_household(hh, data, actor=staff, now=NOW, channel="form")
        db.session.rollback()
        assert key in e.value.errors
    outsider = make_user(Role.VILLAGE_STAFF, "411221100202")
    with pytest.raises(PermissionDenied):
        correct_household(
            hh, _as_is(hh, members={0: {"name": "王建华"}}), actor=outsider, now=NOW, channel="form"
        )
    db.session.rollback()
    assert db.session.get(Person, hh.members[0].id).name == name
    assert not db.session.scalars(
        select(HouseholdEvent).where(HouseholdEvent.kind == "corrected")
    ).all()


def test_the_correction_form_shows_the_registration_and_names_the_row(client, db, registered):
    staff, hh, _cases = registered
    login(client, staff)
    html = client.get(f"/households/{hh.id}/correct").get_data(as_text=True)
    assert 'value="王建国"' in html
    assert hh.members[0].id_number not in html  # full numbers only by an audited view
    assert f'placeholder="{hh.members[0].masked_id}' in html
    data = {
        "reason": "",
        "settlement_mode": hh.settlement_mode,
        "site_id": str(hh.site_id or 0),
        "lives_at_destination": "y",
    }
    for i, p in enumerate(hh.members):
        for field in (
            "name",
            "relation",
            "party_status",
            "pension_status",
            "medical_insurance",
            "assistance",
        ):
            data[f"members-{i}-{field}"] = getattr(p, field)
        data[f"members-{i}-person_id"] = str(p.id)
        if p.collective_member:
            data[f"members-{i}-collective_member"] = "y"
    data["members-1-name"] = "李秀芳"
    data["members-1-relation"] = ""
    resp = post_form(client, f"/households/{hh.id}/correct", data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "第2位成员（李秀芳）：请选择与户主关系" in html and "请填写更正原因" in html
    assert 'value="李秀芳"' in html  # nothing typed is lost
    data.update({"reason": "姓名录错", "members-1-relation": "配偶"})
    resp = post_form(client, f"/households/{hh.id}/correct", data)
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已更正登记（1项）" in page and "已更新办理中的事项" in page
    assert re.search(r"更正.*姓名录错", page, re.S)


def test_the_api_corrects_only_what_it_names(app, db, registered, make_user):
    from transfers.api.tokens import create_token

    staff, hh, cases = registered
    _token, secret = create_token(staff, "correction", now=NOW)
    outsider = make_user(Role.VILLAGE_STAFF, "411221100202")
    _t2, foreign = create_token(outsider, "outsider", now=NOW)
    db.session.commit()
    client = app.test_client()
    url = f"/api/v1/households/{hh.id}/corrections"
    spouse = hh.members[1]
    body = {"reason": "姓名录错", "members": [{"person_id": spouse.id, "name": "李秀芳"}]}
    resp = client.post(url, json=body, headers={"Authorization": f"Bearer {foreign}"})
    assert resp.status_code in (403, 404)
    resp = client.post(
        url,
        json={**body, "members": [{"person_id": 999999, "name": "某某"}]},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert resp.status_code == 422
    resp = client.post(url, json=body, headers={"Authorization": f"Bearer {secret}"})
    assert resp.status_code == 200, resp.get_json()
    names = [m["name"] for m in resp.get_json()["members"]]
    assert names == ["王建国", "李秀芳"]
    event = db.session.scalars(
        select(HouseholdEvent).where(HouseholdEvent.kind == "corrected")
    ).one()
    assert event.channel == "api" and event.data["reason"] == "姓名录错"
    assert db.session.get(Person, hh.members[0].id).relation == "户主"  # untouched


def test_the_form_corrects_an_id_number_only_when_one_is_typed(client, db, registered):
    staff, hh, _cases = registered
    login(client, staff)
    head = hh.members[0]
    data = {"reason": "身份证号码录错一位", "settlement_mode": hh.settlement_mode}
    data["site_id"] = str(hh.site_id or 0)
    data["lives_at_destination"] = "y"
    for i, p in enumerate(hh.members):
        for field in ("name", "relation", "party_status", "pension_status", "assistance"):
            data[f"members-{i}-{field}"] = getattr(p, field)
        data[f"members-{i}-medical_insurance"] = p.medical_insurance
        data[f"members-{i}-person_id"] = str(p.id)
        data[f"members-{i}-collective_member"] = "y"
    fixed = make_id(seq=88)
    data["members-0-id_number"] = fixed
    resp = post_form(client, f"/households/{hh.id}/correct", data)
    assert resp.status_code == 303
    db.session.expire_all()  # the request committed in its own session
    assert db.session.get(Person, head.id).id_number == fixed
    assert db.session.get(Person, hh.members[1].id).id_number == hh.members[1].id_number


def test_two_members_numbers_swapped_at_registration_are_corrected(db, registered):
    staff, hh, _cases = registered
    first, second = (p.id_number for p in hh.members)
    swapped = {0: {"id_number": second}, 1: {"id_number": first}}
    correct_household(hh, _as_is(hh, members=swapped), actor=staff, now=NOW, channel="form")
    db.session.commit()
    assert [p.id_number for p in hh.members] == [second, first]
