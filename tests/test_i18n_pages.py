"""Every page of the core features, switched to English, shows no Chinese interface text.

The check takes the visible text of a page (text nodes, plus title, aria-label,
placeholder, alt, data-confirm and submit-input values, plus the state diagram's labels),
removes the data (names, addresses, jurisdictions, what was entered into cases) and the
texts the pure workflow layer computes without a catalog entry, and fails on any Chinese
character left: a string someone forgot to wrap.
"""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import csrf_from, login, make_id, post_form
from tests.test_web_procedures import Office, case_of, complete_hukou, intake
from transfers.auth.models import User
from transfers.cases.models import Case, Document, Event
from transfers.db import utcnow
from transfers.households.models import Household, Person
from transfers.jurisdictions.models import Jurisdiction, Site
from workflows.calendar import local_date
from workflows.idcard import mask_name
from workflows.roles import Role

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]")
TODAY = local_date(utcnow())
ATTRS = ("title", "aria-label", "placeholder", "alt", "data-confirm")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        skip = tag in ("script", "style")
        if not self.skipping and not skip:
            self.parts.extend(a[k] for k in ATTRS if k in a)
            if tag == "input" and a.get("type") in ("submit", "button"):
                self.parts.append(a.get("value", ""))
            if "data-diagram" in a:
                d = json.loads(a["data-diagram"])
                self.parts.append(d["label"])
                self.parts.extend(n["label"] + " " + n["role"] for n in d["nodes"])
                self.parts.extend(link["label"] for link in d["links"])
        if tag in VOID:
            return
        self.stack.append((tag, skip))
        self.skipping += skip

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            open_tag, skip = self.stack.pop()
            self.skipping -= skip
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(p for p in parser.parts if p and p.strip())


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def data_values(db: Any) -> list[str]:
    """What people entered or the registry holds: never translated."""
    s = db.session
    values = ["中文"]  # the language switch offers Chinese in Chinese
    names = s.scalars(select(Person.name)).all()
    values += list(names) + [mask_name(n) for n in names]
    values += s.scalars(select(Household.address)).all()
    values += s.scalars(select(User.display_name)).all()
    for j in s.scalars(select(Jurisdiction)).all():
        values += [j.full_name, j.name]
    for site in s.scalars(select(Site)).all():
        values += [site.name, site.address]
    values += s.scalars(select(Document.description)).all()
    values += s.scalars(select(Document.filename)).all()
    for case in s.scalars(select(Case)).all():
        values += _strings(case.data or {})
    for event in s.scalars(select(Event)).all():
        values += [event.reason] + _strings(event.data or {})
    return sorted({v for v in values if v and CJK.search(v)}, key=len, reverse=True)


def assert_english(html: str, db: Any, where: str) -> None:
    text = visible_text(html)
    for value in data_values(db):
        text = text.replace(value, " ")
    left = sorted({m.group() for m in CJK.finditer(text)})
    lines = [line for line in text.splitlines() if CJK.search(line)]
    assert not left, f"{where}: untranslated text {lines[:10]}"


def english(client: Any) -> None:
    resp = post_form(client, "/query/", {"lang": "en", "next": "/"}, post_url="/language")
    assert resp.status_code == 302


def page(client: Any, url: str, status: int = 200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    return resp.get_data(as_text=True)


def _household_form(geo: Any, members: list[tuple[str, str, str]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "origin_id": geo["411221205201"].id,
        "destination_id": geo["411221100201"].id,
        "settlement_mode": "centralized",
        "site_id": geo.site.id,
        "lives_at_destination": "y",
        "address": "幸福路88号",
    }
    rows = list(members) + [("", "", "户主")] * (6 - len(members))
    for i, (name, number, relation) in enumerate(rows):
        data[f"members-{i}-name"] = name
        data[f"members-{i}-id_number"] = number
        data[f"members-{i}-relation"] = relation
        data[f"members-{i}-party_status"] = "none"
        data[f"members-{i}-pension_status"] = "contributing"
        data[f"members-{i}-medical_insurance"] = "resident"
        data[f"members-{i}-assistance"] = "none"
    return data


@pytest.fixture()
def offices(app, make_user):  # type: ignore[no-untyped-def]
    def office(role: Role, code: str) -> Office:
        o = Office(app, make_user(role, code))
        english(o.client)
        return o

    return office


def test_public_pages_in_english(app, client, make_household, db):
    hh = make_household(members=2)
    english(client)
    assert_english(page(client, "/login"), db, "login")
    assert_english(page(client, "/query/"), db, "lookup")
    html = post_form(client, "/query/", {"receipt_no": "X-1", "id_tail": "1234"}).get_data(
        as_text=True
    )
    assert "No case found" in html
    assert_english(html, db, "lookup not found")
    html = post_form(client, "/query/", {"receipt_no": "", "id_tail": ""}).get_data(as_text=True)
    assert "Enter the receipt number" in html
    assert_english(html, db, "lookup errors")
    resp = post_form(client, "/login", {"username": "nobody", "password": "wrong"})
    assert resp.status_code == 401 and "Wrong username or password" in resp.get_data(as_text=True)
    assert_english(resp.get_data(as_text=True), db, "login refused")
    assert hh.id


def test_village_staff_journey_in_english(app, offices, make_user, geo, db):
    staff = offices(Role.VILLAGE_STAFF, "411221100201")
    police = offices(Role.POLICE_STATION, "411221100")
    c = staff.client
    assert_english(staff.get("/"), db, "home")
    assert_english(staff.get("/households/"), db, "households, empty")
    assert_english(staff.get("/households/?q=nobody"), db, "households, no match")
    html = staff.get("/households/new")
    assert_english(html, db, "new household")
    # the ID number check as typed (static/app.js) takes its messages from the page
    raw = re.search(r'data-idcheck-messages="([^"]+)"', html).group(1)
    messages = json.loads(unescape(raw))
    assert messages["check"] == "Wrong check digit, please verify"
    assert not [m for m in messages.values() if CJK.search(m)]

    # form errors are shown in English and keep the input
    data = _household_form(geo, [("王建国", make_id(seq=1), "配偶")])
    resp = post_form(c, "/households/new", data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "A household must have exactly one head" in html
    assert_english(html, db, "new household, errors")
    # WTForms' own messages follow the language too
    resp = post_form(c, "/households/new", {**data, "moved_on": "soon"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Not a valid date value." in html
    assert_english(html, db, "new household, bad date")

    data = _household_form(
        geo, [("王建国", make_id(seq=1), "户主"), ("李秀英", make_id(seq=2, sex="F"), "配偶")]
    )
    resp = post_form(c, "/households/new", data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    hh_url = resp.headers["Location"]
    html = staff.get(hh_url)
    assert "Registered. Please check the proposed matters" in html and "Head of household" in html
    assert_english(html, db, "household detail")
    assert_english(staff.get("/households/"), db, "households")

    hh = db.session.scalars(select(Household)).one()
    receipt = intake(staff, hh, {"hukou", "medical"})
    assert "Acceptance receipt" in receipt
    assert_english(receipt, db, "receipt")
    assert_english(staff.get(hh_url), db, "household detail with cases")

    person = hh.members[0]
    hukou = case_of(db, person, "hukou")
    assert_english(staff.get(f"/cases/{hukou.id}"), db, "case detail")
    assert_english(staff.get(f"/cases/{hukou.id}/act/submit"), db, "act form")
    resp = staff.act(db, hukou, "submit", {"option": ""}, expect=422)
    assert_english(resp.get_data(as_text=True), db, "act form, errors")
    assert_english(staff.get("/tasks/"), db, "queue")

    complete_hukou(db, staff, police, person)
    assert_english(police.get("/tasks/done"), db, "done")
    assert_english(police.get("/tasks/"), db, "queue, empty")
    assert_english(police.get(f"/cases/{hukou.id}"), db, "closed case")
    assert_english(staff.get("/tasks/done"), db, "done, staff")

    # the receipt number finds the household, residents see the states
    receipt_no = re.search(r"<strong>([\w-]+)</strong>", receipt).group(1)
    resident = app.test_client()
    english(resident)
    html = post_form(
        resident, "/query/", {"receipt_no": receipt_no, "id_tail": person.id_number[-4:]}
    ).get_data(as_text=True)
    assert "Progress" in html and mask_name(person.name) in html
    assert_english(html, db, "lookup result")

    for case in db.session.scalars(select(Case)).all():
        assert_english(staff.get(f"/cases/{case.id}"), db, f"{case.procedure} case")


def test_claim_release_and_flashes_in_english(app, offices, make_household, db):
    staff = offices(Role.VILLAGE_STAFF, "411221100201")
    police = offices(Role.POLICE_STATION, "411221100")
    hh = make_household(members=1)
    intake(staff, hh, {"hukou"})
    hukou = case_of(db, hh.members[0], "hukou")
    staff.act(
        db, hukou, "submit", {"option": "site_address", "building": "1", "unit": "1", "door": "1"}
    )
    task_id = re.search(r"/tasks/(\d+)/claim", police.get("/tasks/")).group(1)
    page_html = police.get(f"/cases/{hukou.id}")
    resp = police.client.post(f"/tasks/{task_id}/claim", data={"csrf_token": csrf_from(page_html)})
    assert resp.status_code in (302, 303)
    html = police.get(f"/cases/{hukou.id}")
    assert "Claimed: others now see that you are handling it" in html and "Release claim" in html
    assert_english(html, db, "claimed case")
    assert_english(police.get(f"/cases/{hukou.id}/act/approve"), db, "approve form")


def test_printed_assistance_notice_in_english(db, offices, make_household):
    staff = offices(Role.VILLAGE_STAFF, "411221100201")
    police = offices(Role.POLICE_STATION, "411221100")
    origin_township = offices(Role.TOWNSHIP_GOVERNMENT, "411221205")
    bureau = offices(Role.CIVIL_AFFAIRS_BUREAU, "411221")
    hh = make_household(members=1)
    person = hh.members[0]
    person.assistance = "tekun"
    db.session.commit()
    intake(staff, hh, {"hukou", "assistance"})
    complete_hukou(db, staff, police, person)
    case = case_of(db, person, "assistance")
    staff.act(db, case, "apply", {"path": "transfer", "applied_on": TODAY.isoformat()})
    origin_township.act(db, case, "report", {"reported_on": TODAY.isoformat(), "list_no": "MD-01"})
    bureau.act(db, case, "issue", {"document_no": "MZ-2026-1", "issued_on": TODAY.isoformat()})
    doc = bureau.get(f"/cases/{case.id}/print/jurisdiction_transfer")
    assert "Notice on the Transfer of Social Assistance" in doc and "Civil Affairs Bureau" in doc
    assert_english(doc, db, "assistance notice")
    assert_english(bureau.get(f"/cases/{case.id}"), db, "assistance case")


def test_supervisor_overdue_list_in_english(offices, db):
    supervisor = offices(Role.TOWNSHIP_SUPERVISOR, "411221100")
    assert_english(supervisor.get("/"), db, "supervisor home")
    assert_english(supervisor.get("/tasks/overdue"), db, "overdue list")


def test_account_tokens_in_english(offices, db):
    staff = offices(Role.VILLAGE_STAFF, "411221100201")
    assert_english(staff.get("/account/tokens"), db, "tokens")
    resp = post_form(staff.client, "/account/tokens", {"name": ""})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Enter what the token is for" in html
    assert_english(html, db, "tokens, error")
    resp = post_form(staff.client, "/account/tokens", {"name": "sync"})
    assert resp.status_code == 201
    html = resp.get_data(as_text=True)
    assert "Token created" in html
    assert_english(html, db, "token created")
    token_id = re.search(r"/account/tokens/(\d+)/revoke", html).group(1)
    resp = staff.client.post(
        f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(html)}
    )
    assert resp.status_code == 302
    html = staff.get("/account/tokens")
    assert "Token “sync” revoked" in html
    assert_english(html, db, "token revoked")


def test_admin_pages_in_english(offices, geo, db):
    admin = offices(Role.ADMIN, "4112")
    c = admin.client
    assert_english(admin.get("/admin/users"), db, "users")
    assert_english(admin.get("/admin/users?q=nobody"), db, "users, none")
    assert_english(admin.get("/admin/users/new"), db, "new user")
    resp = post_form(
        c,
        "/admin/users/new",
        {
            "username": "a b",
            "display_name": "",
            "password": "short",
            "role": "village_staff",
            "jurisdiction_code": "411221100201",
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "At least 8 characters" in html
    assert_english(html, db, "new user, errors")
    resp = post_form(
        c,
        "/admin/users/new",
        {
            "username": "clerk1",
            "display_name": "Clerk",
            "password": "long-enough-1",
            "role": "village_staff",
            "jurisdiction_code": "411221100",
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "must be granted at Village/community level" in html
    assert_english(html, db, "new user, wrong level")
    resp = post_form(
        c,
        "/admin/users/new",
        {
            "username": "clerk1",
            "display_name": "Clerk",
            "password": "long-enough-1",
            "role": "village_staff",
            "jurisdiction_code": "411221100201",
        },
    )
    assert resp.status_code == 302
    user = db.session.scalars(select(User).where(User.username == "clerk1")).one()
    html = admin.get(f"/admin/users/{user.id}")
    assert "User clerk1 created" in html
    assert_english(html, db, "edit user")
    resp = c.get("/admin/jurisdictions", follow_redirects=True)
    assert resp.status_code == 200
    assert_english(resp.get_data(as_text=True), db, "jurisdictions")
    village = geo["411221100201"]
    assert_english(admin.get(f"/admin/jurisdictions/{village.id}"), db, "village")


def test_error_pages_in_english(offices, make_household, db):
    staff = offices(Role.VILLAGE_STAFF, "411221205201")
    html = page(staff.client, "/households/999999", 404)
    assert "Page not found" in html
    assert_english(html, db, "404")
    hh = make_household(origin="411221101201", destination="411221100201")
    html = page(staff.client, f"/households/{hh.id}", 403)
    assert "You do not have permission to view this page" in html, visible_text(html)
    assert_english(html, db, "403")


def test_api_reference_frame_in_english(offices, db):
    staff = offices(Role.VILLAGE_STAFF, "411221100201")
    html = staff.get("/api/v1/docs")
    # The operations' summaries come from the API spec (its own language); the page's
    # own words are translated.
    for word in ("API reference", "Endpoints", "Schemas", "Errors", "Method", "Path"):
        assert word in html
    assert "接口" not in visible_text(html) and "数据结构" not in visible_text(html)


def test_chinese_stays_the_default(app, make_user, make_household, db):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    c = app.test_client()
    login(c, staff)
    hh = make_household(members=1)
    html = c.get(f"/households/{hh.id}").get_data(as_text=True)
    assert "户口迁移可选方式" in html and "户主" in html and "男" in html
    resp = post_form(c, "/households/new", {"moved_on": "soon"})
    assert "不是有效的日期值" in resp.get_data(as_text=True)
