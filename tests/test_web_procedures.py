"""One full journey per procedure through the web layer, each step by the right office."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from, login, post_form
from transfers.cases.models import Case, Event
from transfers.db import utcnow
from transfers.tasks.models import Task
from transfers.votes.models import VoteSession
from workflows.calendar import local_date
from workflows.roles import Role

TODAY = local_date(utcnow())


def month(offset: int) -> str:
    index = TODAY.year * 12 + TODAY.month - 1 + offset
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class Office:
    """A logged-in test client for one user."""

    def __init__(self, app, user):  # type: ignore[no-untyped-def]
        self.user = user
        self.client = app.test_client()
        login(self.client, user)

    def act(self, db, case: Case, trigger: str, data: dict, expect: int = 303):  # type: ignore[no-untyped-def]
        db.session.expire_all()
        case = db.session.get(Case, case.id)
        url = f"/cases/{case.id}/act/{trigger}"
        resp = post_form(self.client, url, {"version": case.version, **data})
        assert resp.status_code == expect, resp.get_data(as_text=True)[:3000]
        db.session.expire_all()
        return resp

    def get(self, url: str) -> str:
        resp = self.client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        return resp.get_data(as_text=True)


def intake(staff: Office, hh, wanted: set[str]) -> str:  # type: ignore[no-untyped-def]
    """Open the proposed cases of `wanted` procedures; return the receipt page."""
    page = staff.get(f"/households/{hh.id}")
    keys = [
        k for k in re.findall(r'name="open" value="([^"]+)"', page) if k.split(":")[1] in wanted
    ]
    assert keys, page
    resp = staff.client.post(
        f"/households/{hh.id}/intake", data={"csrf_token": csrf_from(page), "open": keys}
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    return staff.get(resp.headers["Location"])


def case_of(db, person, procedure: str) -> Case:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return db.session.scalars(
        select(Case).where(Case.person_id == person.id, Case.procedure == procedure)
    ).one()


def state(db, case: Case) -> str:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return db.session.get(Case, case.id).state


def open_task_of(db, case: Case) -> Task | None:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return db.session.scalar(select(Task).where(Task.case_id == case.id, Task.closed_at.is_(None)))


def complete_hukou(db, staff: Office, police: Office, person) -> None:  # type: ignore[no-untyped-def]
    hukou = case_of(db, person, "hukou")
    staff.act(
        db, hukou, "submit", {"option": "site_address", "building": "1", "unit": "1", "door": "101"}
    )
    police.act(
        db,
        hukou,
        "approve",
        {"new_address": "幸福路88号1栋1单元101号", "registered_on": TODAY.isoformat()},
    )
    assert state(db, hukou) == "completed"


@pytest.fixture()
def offices(app, make_user):  # type: ignore[no-untyped-def]
    def office(role: Role, code: str) -> Office:
        return Office(app, make_user(role, code))

    return office


def test_pension_waits_on_hukou_then_transfers_cross_province(db, offices, make_household):
    staff = offices(Role.VILLAGE_STAFF, "411221100201")
    police = offices(Role.POLICE_STATION, "411221100")
    agency = offices(Role.SOCIAL_INSURANCE_AGENCY, "411221")
    hh = make_household(origin="140827203201", area="140827", members=1)
    person = hh.members[0]
    person.registered_poor = True
    db.session.commit()
    intake(staff, hh, {"hukou", "pension"})
    pension = case_of(db, person, "pension")
    assert pension.state == "waiting_hukou" and open_task_of(db, pension) is None
    page = staff.get(f"/cases/{pension.id}")
    assert "等待户口迁移办结" in page and "等待关联事项“户口迁移”办结" in page

    complete_hukou(db, staff, police, person)
    assert state(db, pension) == "agency"
    task = open_task_of(db, pension)
    assert task.role == Role.SOCIAL_INSURANCE_AGENCY and task.jurisdiction.code == "411221"
    kinds = [e.kind for e in db.session.get(Case, pension.id).events]
    assert kinds.count("reevaluated") >= 2  # "waiting for …" then "unblocked by …"
    assert "解除等待" in agency.get(f"/cases/{pension.id}")

    year = TODAY.year
    resp = agency.act(
        db,
        pension,
        "complete",
        {
            "transferred_on": TODAY.isoformat(),
            "origin_last_paid_year": year - 2,
            "destination_first_paid_year": year,
        },
        expect=422,
    )
    assert "未代缴" in resp.get_data(as_text=True)  # a gap in 代缴 refuses the close
    assert state(db, pension) == "agency"
    agency.act(
        db,
        pension,
        "complete",
        {
            "transferred_on": TODAY.isoformat(),
            "origin_last_paid_year": year - 1,
            "destination_first_paid_year": year,
        },
    )
    assert state(db, pension) == "transferred"
    page = agency.get(f"/cases/{pension.id}")
    assert "权益保障去向" in page and "转入户籍地" in page


def test_party_relation_dual_affiliation_chain_and_voting_rights(db, offices, make_household):
    staff = offices(Role.VILLAGE_STAFF, "411221100201")
    branch = offices(Role.ORIGIN_PARTY_ORG, "411221205201")
    township = offices(Role.TOWNSHIP_PARTY_COMMITTEE, "411221205")
    org_dept = offices(Role.COUNTY_ORG_DEPT, "411221")
    hh = make_household(members=1)
    person = hh.members[0]
    person.party_status = "full"
    db.session.commit()
    page = staff.get(f"/households/{hh.id}")
    assert "尚未“三脱钩”" in page and "在段村村党组织行使" in page
    intake(staff, hh, {"party"})
    party = case_of(db, person, "party")
    assert open_task_of(db, party).jurisdiction.code == "411221205201"  # origin side
    assert staff.client.get(f"/cases/{party.id}/act/record").status_code == 403
    branch.act(
        db,
        party,
        "record",
        {"wish": "dual", "origin_organization": "段村村党支部", "ledger_no": "TZ-2026-01"},
    )
    township.act(db, party, "propose", {"proposal": "同意一方隶属、参加多重组织生活"})
    org_dept.act(db, party, "approve", {"opinion": "同意"})
    assert state(db, party) == "arranging"
    branch.act(
        db,
        party,
        "arrange",
        {"life_organization": "幸福社区党支部", "arranged_on": TODAY.isoformat()},
    )
    assert state(db, party) == "dual_affiliation"
    page = branch.get(f"/cases/{party.id}")
    assert "隶属段村村党支部，在幸福社区党支部参加组织生活" in page
    assert "选举权、被选举权、表决权在段村村党组织行使" in page


def test_party_relation_must_move_once_decoupled(db, offices, make_household):
    staff = offices(Role.VILLAGE_STAFF, "411221100201")
    police = offices(Role.POLICE_STATION, "411221100")
    branch = offices(Role.ORIGIN_PARTY_ORG, "411221205201")
    township = offices(Role.TOWNSHIP_PARTY_COMMITTEE, "411221205")
    receiving = offices(Role.ORIGIN_PARTY_ORG, "411221100201")
    org_dept = offices(Role.COUNTY_ORG_DEPT, "411221")
    hh = make_household(members=1)
    person = hh.members[0]
    person.party_status = "full"
    person.collective_member = False
    db.session.commit()
    intake(staff, hh, {"hukou", "party"})
    party = case_of(db, person, "party")
    branch.act(
        db,
        party,
        "record",
        {"wish": "dual", "origin_organization": "段村村党支部", "ledger_no": "1"},
    )
    # the hukou moves while the township studies it: 三脱钩 now holds → must move
    complete_hukou(db, staff, police, person)
    assert state(db, party) == "origin_record"
    page = branch.get(f"/cases/{party.id}")
    assert "已“三脱钩”，应转入迁入地党组织" in page
    form = branch.get(f"/cases/{party.id}/act/record")
    assert 'value="dual"' not in form  # only the move is offered
    branch.act(
        db,
        party,
        "record",
        {"wish": "dual", "origin_organization": "段村村党支部", "ledger_no": "1"},
        expect=422,
    )
    branch.act(
        db,
        party,
        "record",
        {"wish": "move", "origin_organization": "段村村党支部", "ledger_no": "1"},
    )
    township.act(db, party, "propose", {"proposal": "转入幸福社区党支部"})
    org_dept.act(db, party, "approve", {"opinion": "同意"})
    assert open_task_of(db, party).jurisdiction.code == "411221100201"
    receiving.act(
        db,
        party,
        "receive",
        {"receiving_organization": "幸福社区党支部", "received_on": TODAY.isoformat()},
    )
    assert state(db, party) == "transferred"
    assert "在迁入地党组织行使" in staff.get(f"/households/{hh.id}")


def test_collective_membership_vote_session(db, offices, make_household, geo):
    staff = offices(Role.VILLAGE_STAFF, "411221100201")
    org = offices(Role.COLLECTIVE_ORG, "411221100201")
    hh = make_household(members=3)
    people = hh.members
    intake(staff, hh, {"collective_membership"})
    cases = [case_of(db, p, "collective_membership") for p in people]
    village = geo["411221100201"]

    page = org.get(f"/votes/new/{village.id}")
    assert page.count('name="case"') == 3
    start = TODAY - timedelta(days=10)
    form = {
        "csrf_token": csrf_from(page),
        "case": [str(c.id) for c in cases],
        "body": "villagers_representatives",
        "body_size": "9",
        "starts_on": start.isoformat(),
        "days": "7",
    }
    refused = org.client.post(f"/votes/new/{village.id}", data=form)
    assert refused.status_code == 422 and "须说明原因" in refused.get_data(as_text=True)
    assert {state(db, c) for c in cases} == {"application"}
    reason = "已于十日前在村务公开栏张贴，现补录"
    resp = org.client.post(f"/votes/new/{village.id}", data={**form, "backdate_reason": reason})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    session = db.session.scalars(select(VoteSession)).one()
    assert session.body_size == 9 and session.body == "villagers_representatives"
    assert {state(db, c) for c in cases} == {"publicity"}
    notice = org.get(f"/votes/{session.id}/notice")
    for word in ("公示", session.notice_no, "盖章", "王建国", "三分之二", reason):
        assert word in notice

    # an objection against the third applicant, upheld
    org.act(
        db,
        cases[2],
        "object",
        {"objection": "申请人并非跨集体经济组织搬迁", "objector": "张三", "raised_on": TODAY},
    )
    org.act(db, cases[2], "uphold", {"resolution": "经核实异议成立"})
    assert state(db, cases[2]) == "rejected"

    url = f"/votes/{session.id}"
    page = org.get(url)
    events_before = db.session.scalar(select(func.count()).select_from(Event))
    bad = {
        "csrf_token": csrf_from(page),
        "voted_on": TODAY.isoformat(),
        f"for-{cases[0].id}": "6",
        f"against-{cases[0].id}": "3",
        f"abstain-{cases[0].id}": "1",
        f"for-{cases[1].id}": "5",
    }
    resp = org.client.post(url, data=bad)
    assert resp.status_code == 422 and "超过表决机构总人数9人" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Event)) == events_before
    assert {state(db, c) for c in cases[:2]} == {"publicity"}

    good = {**bad, f"against-{cases[0].id}": "2"}
    resp = org.client.post(url, data=good)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    assert state(db, cases[0]) == "confirmed"  # 6 of 9: two-thirds, inclusive
    assert state(db, cases[1]) == "rejected"  # 5 of 9 fails
    confirmed = db.session.get(Case, cases[0].id)
    assert (
        confirmed.data["origin_membership_ended_on"]
        == confirmed.data["membership_from"]
        == TODAY.isoformat()
    )
    assert confirmed.person.facts["origin_membership_ended_on"] == TODAY.isoformat()
    # one event per case for the vote
    for c in cases[:2]:
        votes = [e for e in db.session.get(Case, c.id).events if e.action == "record_vote"]
        assert len(votes) == 1 and votes[0].data["body_size"] == 9
    page = org.get(url)
    assert "通过" in page and "未通过" in page


def test_medical_transfer_within_province_and_follow_up_for_uninsured(db, offices, make_household):
    staff = offices(Role.VILLAGE_STAFF, "411221100201")
    origin_agency = offices(Role.MEDICAL_INSURANCE_AGENCY, "411203")
    agency = offices(Role.MEDICAL_INSURANCE_AGENCY, "411221")
    hh = make_household(origin="411203105201", area="411203", members=2)
    insured, uninsured = hh.members
    uninsured.medical_insurance = "none"
    db.session.commit()
    page = staff.get(f"/households/{hh.id}")
    assert "应保未保" in page
    intake(staff, hh, {"medical"})
    follow = case_of(db, uninsured, "medical")
    assert follow.state == "follow_up"  # a follow-up task for the agency, automatically
    assert open_task_of(db, follow).role == Role.MEDICAL_INSURANCE_AGENCY
    agency.act(
        db,
        follow,
        "enrolled",
        {"insurance": "resident", "enrolled_on": TODAY.isoformat(), "subsidy_applied": "y"},
    )
    assert state(db, follow) == "enrolled"

    case = case_of(db, insured, "medical")
    assert case.state == "wish"
    staff.act(db, case, "record_wish", {"wish": "transfer"})
    assert open_task_of(db, case).jurisdiction.code == "411203"
    until = TODAY + timedelta(days=30)
    origin_agency.act(db, case, "handle", {"origin_covered_until": until.isoformat()})
    resp = agency.act(
        db, case, "enroll", {"covered_from": (until + timedelta(days=5)).isoformat()}, expect=422
    )
    assert "断保" in resp.get_data(as_text=True)
    agency.act(db, case, "enroll", {"covered_from": (until + timedelta(days=1)).isoformat()})
    assert state(db, case) == "transferred"


def test_assistance_same_county_notice_gap_needs_explanation(db, offices, make_household):
    staff = offices(Role.VILLAGE_STAFF, "411221100201")
    police = offices(Role.POLICE_STATION, "411221100")
    origin_township = offices(Role.TOWNSHIP_GOVERNMENT, "411221205")
    bureau = offices(Role.CIVIL_AFFAIRS_BUREAU, "411221")
    destination_township = offices(Role.TOWNSHIP_GOVERNMENT, "411221100")
    hh = make_household(members=1)
    person = hh.members[0]
    person.assistance = "tekun"
    db.session.commit()
    intake(staff, hh, {"hukou", "assistance"})
    complete_hukou(db, staff, police, person)
    case = case_of(db, person, "assistance")
    staff.act(db, case, "apply", {"path": "transfer", "applied_on": TODAY.isoformat()})
    assert open_task_of(db, case).jurisdiction.code == "411221205"
    origin_township.act(db, case, "report", {"reported_on": TODAY.isoformat(), "list_no": "MD-01"})
    bureau.act(
        db, case, "issue", {"document_no": "渑民救迁〔2026〕1号", "issued_on": TODAY.isoformat()}
    )
    assert state(db, case) == "destination_township"  # same county: a notice
    doc = bureau.get(f"/cases/{case.id}/print/jurisdiction_transfer")
    for word in (
        "社会救助关系管辖迁移通知",
        "渑民救迁〔2026〕1号",
        "渑池县民政局",
        "城关镇人民政府",
        "盖章",
        "（含当日）完成",
    ):
        assert word in doc
    assert "前完成" not in doc  # "before" would exclude the last allowed day
    pay = {"last_origin_month": month(0), "first_destination_month": month(2)}
    resp = destination_township.act(db, case, "start_payment", pay, expect=422)
    assert "书面说明" in resp.get_data(as_text=True)
    assert state(db, case) == "destination_township"
    destination_township.act(
        db, case, "start_payment", {**pay, "gap_explanation": "迁出地提前停发一个月"}
    )
    closed = db.session.get(Case, case.id)
    assert closed.state == "transferred"
    [violation] = [e for e in closed.events if e.kind == "violation"]
    assert violation.data["kind"] == "assistance_gap" and violation.data["months"] == [month(1)]
    assert "违规预警" in staff.get(f"/cases/{case.id}")


def test_assistance_cross_county_letter_without_gap(db, offices, make_household):
    staff = offices(Role.VILLAGE_STAFF, "411221100201")
    police = offices(Role.POLICE_STATION, "411221100")
    origin_township = offices(Role.TOWNSHIP_GOVERNMENT, "411203105")
    origin_bureau = offices(Role.CIVIL_AFFAIRS_BUREAU, "411203")
    bureau = offices(Role.CIVIL_AFFAIRS_BUREAU, "411221")
    destination_township = offices(Role.TOWNSHIP_GOVERNMENT, "411221100")
    hh = make_household(origin="411203105201", area="411203", members=1)
    person = hh.members[0]
    person.assistance = "dibao_rural"
    db.session.commit()
    intake(staff, hh, {"hukou", "assistance"})
    case = case_of(db, person, "assistance")
    staff.act(db, case, "apply", {"path": "transfer", "applied_on": TODAY.isoformat()})
    assert state(db, case) == "waiting_hukou"
    complete_hukou(db, staff, police, person)
    assert state(db, case) == "origin_report"
    origin_township.act(db, case, "report", {"reported_on": TODAY.isoformat()})
    origin_bureau.act(
        db, case, "issue", {"document_no": "陕民函〔2026〕7号", "issued_on": TODAY.isoformat()}
    )
    assert state(db, case) == "destination_bureau"
    assert "社会救助关系管辖迁移函" in origin_bureau.get(
        f"/cases/{case.id}/print/jurisdiction_transfer"
    )
    bureau.act(db, case, "accept", {"accepted_on": TODAY.isoformat()})
    destination_township.act(
        db,
        case,
        "start_payment",
        {"last_origin_month": month(0), "first_destination_month": month(1)},
    )
    closed = db.session.get(Case, case.id)
    assert closed.state == "transferred" and not [e for e in closed.events if e.kind == "violation"]
    assert closed.data["within_one_month"] is True


def test_site_page_derives_the_organization(db, offices, make_household, geo):
    staff = offices(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household(members=4)
    for p in hh.members[:3]:
        p.party_status = "full"
    db.session.commit()
    assert geo.site.name in staff.get("/sites/")
    page = staff.get(f"/sites/{geo.site.id}")
    assert "正式党员3人" in page and "单独成立党支部" in page  # urban community site
    assert "配备2名专职管理人员" in page and "不低于 1 平方米" in page
    assert "在段村村党组织行使" in page
    outsider = offices(Role.VILLAGE_STAFF, "411203105201")
    assert outsider.client.get(f"/sites/{geo.site.id}").status_code == 403


@pytest.mark.parametrize("kind", ["tekun", "dibao_urban"])
def test_assistance_closes_at_origin_when_the_hukou_stays(db, offices, make_household, kind):
    """A 特困 or 城市低保 recipient accepted together with the hukou case, who then keeps
    the original hukou: the assistance case ends by itself, the benefit continuing at
    origin, instead of waiting at the window for ever."""
    staff = offices(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household(members=1)
    person = hh.members[0]
    person.assistance = kind
    db.session.commit()
    intake(staff, hh, {"hukou", "assistance"})
    assert state(db, case_of(db, person, "assistance")) == "application"
    staff.act(
        db,
        case_of(db, person, "hukou"),
        "decline",
        {"residence_permit": "y", "note": "本人自愿保留原籍户口"},
    )
    case = case_of(db, person, "assistance")
    assert case.state == "stays_at_origin" and case.outcome == "stays_at_origin"
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Task)
            .where(Task.case_id == case.id, Task.closed_at.is_(None))
        )
        == 0
    )


def test_rural_dibao_may_close_at_origin_by_hand_when_the_hukou_stays(db, offices, make_household):
    staff = offices(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household(members=1)
    person = hh.members[0]
    person.assistance = "dibao_rural"
    db.session.commit()
    intake(staff, hh, {"hukou", "assistance"})
    assistance = case_of(db, person, "assistance")
    refused = staff.act(db, assistance, "stay_at_origin", {"note": "尚未决定"}, expect=303)
    page = staff.get(refused.headers["Location"])
    assert "户口迁移办结前不能按保留原籍户口办结" in page  # hukou still pending
    assert state(db, assistance) == "application"
    staff.act(
        db, case_of(db, person, "hukou"), "decline", {"residence_permit": "y", "note": "保留"}
    )
    assert state(db, assistance) == "application"  # conversion is still open to them
    staff.act(db, assistance, "stay_at_origin", {"note": "不申请转为城市低保"})
    assert state(db, assistance) == "stays_at_origin"
