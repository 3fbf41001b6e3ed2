"""English interface of the supervision, deadline, vote, site, import and inbox pages.

Each page is rendered under lang=en on the demo county; after removing the data shown
on it (every text value stored in the database: names, places, reasons, notices...) no
Chinese character may be left: a string left unwrapped in a template or a view fails.
"""

from __future__ import annotations

import html as html_lib
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, String, Text, select

from tests.conftest import csrf_from, login, post_form
from tests.test_web_procedures import Office, case_of, intake
from transfers.auth.models import User
from transfers.deadlines.models import Escalation, Suspension
from transfers.demo import load_demo
from transfers.demo_county import DEMO_PASSWORD, USERS
from transfers.jurisdictions.models import Jurisdiction
from transfers.supervision.models import Problem
from transfers.tasks.models import Task
from transfers.votes.models import VoteSession
from workflows.idcard import mask_name
from workflows.roles import Role

CJK = re.compile(r"[\u3400-\u9fff]")
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Official document numbers are data too: 城关镇催字〔2026〕12号.
DOC_NUMBER = re.compile(r"[催督]字〔\d+〕\d+号")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def data_values(db) -> list[str]:  # type: ignore[no-untyped-def]
    """Every Chinese text stored in the database, longest first (and masked names)."""
    found: set[str] = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        for column in columns:
            for value in db.session.execute(select(column).distinct()).scalars():
                for text in _strings(value):
                    if CJK.search(text):
                        found.add(text)
                        found.add(mask_name(text))
    return sorted((s for s in found if len(s) >= 2), key=len, reverse=True)


def macro_strings() -> list[str]:
    """_macros.html is shared with the other pages (and wrapped with them); its own
    strings are not what this test is about."""
    text = (TEMPLATES / "_macros.html").read_text(encoding="utf-8")
    return sorted(set(re.findall(r"[\u3400-\u9fff]+", text)), key=len, reverse=True)


def visible_text(page: str) -> str:
    body = page.split('<main id="main"', 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", body))


def leftover_chinese(page: str, data: list[str]) -> list[str]:
    text = visible_text(page)
    for value in data:
        text = text.replace(value, " ")
    text = DOC_NUMBER.sub(" ", text)
    for word in macro_strings():
        text = text.replace(word, " ")
    return [text[max(m.start() - 30, 0) : m.end() + 30] for m in CJK.finditer(text)]


def english(client) -> None:  # type: ignore[no-untyped-def]
    post_form(client, "/", {"lang": "en", "next": "/"}, post_url="/language")


def check_pages(client, db, urls: list[str]) -> None:  # type: ignore[no-untyped-def]
    data = data_values(db)
    problems = {}
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        page = resp.get_data(as_text=True)
        assert '<html lang="en">' in page
        left = leftover_chinese(page, data)
        if left:
            problems[url] = left[:5]
    assert not problems, problems


@pytest.fixture()
def demo(db):  # type: ignore[no-untyped-def]
    summary = load_demo(households=40)
    db.session.commit()
    return summary


def demo_login(client, db, username: str) -> User:  # type: ignore[no-untyped-def]
    user = db.session.scalars(select(User).where(User.username == username)).one()
    login(client, user, DEMO_PASSWORD)
    english(client)
    return user


def test_supervision_pages_in_english(client, db, demo):
    demo_login(client, db, "mianchi_lead")
    problems = db.session.scalars(select(Problem).order_by(Problem.id)).all()
    assert any(p.is_closed for p in problems) and any(not p.is_closed for p in problems)
    district = db.session.scalars(
        select(Escalation).where(Escalation.level == "district").order_by(Escalation.id)
    ).first()
    assert district is not None
    task = db.session.get(Task, district.task_id)
    county = db.session.scalars(select(Jurisdiction).where(Jurisdiction.code == "411221")).one()
    township = db.session.scalars(
        select(Jurisdiction).where(Jurisdiction.code == "411221100")
    ).one()
    urls = [
        "/supervision/",
        f"/supervision/?node={township.id}",
        f"/supervision/?node={county.id}&bucket=1-5&level=township&sort=office",
        "/supervision/ledgers/work",
        "/supervision/ledgers/work?status=closed",
        "/supervision/ledgers/problems",
        "/supervision/ledgers/rectification",
        *[f"/supervision/problems/{p.id}" for p in problems[:3]],
        "/supervision/summary",
        "/supervision/summary?kind=quarter",
        f"/supervision/notice/district/{task.role}/{task.jurisdiction_id}",
        "/inbox/",
        "/inbox/?unread=1",
    ]
    check_pages(client, db, urls)
    # the exported ledgers keep their official Chinese layout
    xlsx = client.get("/supervision/ledgers/work?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("sheet")


def test_township_notice_and_problem_actions_in_english(client, db, demo):
    demo_login(client, db, "chengguan_lead")
    township = db.session.scalars(
        select(Escalation).where(Escalation.level == "township").order_by(Escalation.id)
    ).all()
    tasks = [db.session.get(Task, e.task_id) for e in township]
    task = next(t for t in tasks if t.jurisdiction_path.startswith("41/4112/411221/411221100/"))
    check_pages(client, db, [f"/supervision/notice/township/{task.role}/{task.jurisdiction_id}"])
    problem = db.session.scalars(
        select(Problem).where(Problem.closed_at.is_(None)).order_by(Problem.id)
    ).first()
    url = f"/supervision/problems/{problem.id}"
    resp = post_form(client, url, {"do": "close", "resolution": ""})
    assert resp.status_code == 422
    assert "Closing requires the rectification result" in resp.get_data(as_text=True)


def test_deadline_admin_and_notice_in_english(client, db, demo):
    demo_login(client, db, "admin")
    suspension = db.session.scalars(
        select(Suspension).where(Suspension.notice_no.is_not(None)).order_by(Suspension.id)
    ).first()
    check_pages(
        client,
        db,
        ["/admin/limits", "/admin/calendar", f"/suspensions/{suspension.id}/notice"],
    )
    resp = post_form(
        client, "/admin/limits", {"step": "hukou:police_review", "amount": "400", "unit": "months"}
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "The limit must be 1 to 365" in page
    assert "时限应为1至365" not in page


def test_case_deadline_panel_in_english(app, db, demo):
    suspensions = db.session.scalars(
        select(Suspension).where(Suspension.notice_no.is_not(None)).order_by(Suspension.id)
    ).all()
    assert suspensions
    data = data_values(db)
    for suspension in suspensions:
        task = db.session.get(Task, suspension.task_id)
        username = next(
            u
            for u, _name, role, code in USERS
            if role is Role.VILLAGE_STAFF and code == task.jurisdiction.code
        )
        client = app.test_client()
        demo_login(client, db, username)
        page = client.get(f"/cases/{task.case_id}").get_data(as_text=True)
        panel = re.search(r'<div class="card mb-3" id="deadline-panel">.*?</div></div>', page, re.S)
        assert panel is not None, page[:500]
        assert leftover_chinese('<main id="main">' + panel.group(0), data) == []


def test_sites_pages_in_english(client, db, demo):
    demo_login(client, db, "xingfu_staff")
    index = client.get("/sites/").get_data(as_text=True)
    links = sorted(set(re.findall(r'href="(/sites/\d+)"', index)))
    assert links
    check_pages(client, db, ["/sites/", *links])


def test_vote_pages_in_english(db, offices, make_household, geo):
    staff = offices(Role.VILLAGE_STAFF, "411221100201")
    org = offices(Role.COLLECTIVE_ORG, "411221100201")
    hh = make_household(members=3)
    intake(staff, hh, {"collective_membership"})
    village = geo["411221100201"]
    english(org.client)
    check_pages(org.client, db, ["/votes/", f"/votes/new/{village.id}"])
    url = f"/votes/new/{village.id}"
    page = org.get(url)
    form = {
        "csrf_token": csrf_from(page),
        "case": re.findall(r'name="case" value="(\d+)"', page),
        "body": "villagers_representatives",
        "body_size": "",
        "starts_on": "2026-11-02",
        "days": "7",
        "backdate_reason": "posted on the village board on 2 November",
    }
    assert len(form["case"]) == 3
    resp = org.client.post(url, data=form)
    assert resp.status_code == 422
    assert "Enter the total members of the voting body" in resp.get_data(as_text=True)
    resp = org.client.post(url, data={**form, "body_size": "9"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    session = db.session.scalars(select(VoteSession)).one()
    detail = f"/votes/{session.id}"
    check_pages(org.client, db, [detail, f"{detail}/notice", "/votes/"])
    # a tally over the body size: the workflow's message, in English
    page = org.get(detail)
    first = form["case"][0]
    tally = {"csrf_token": csrf_from(page), "voted_on": "2026-11-20", f"for-{first}": "10"}
    resp = org.client.post(detail, data=tally)
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "more than the 9 members of the voting body" in text


LEDGER_HEADERS = [
    "姓名",
    "户编号",
    "身份证号码",
    "与户主关系",
    "迁入地区划代码",
    "迁出地区划代码",
    "安置方式",
]


def test_import_pages_in_english(client, db, demo):
    demo_login(client, db, "xingfu_staff")
    check_pages(client, db, ["/imports/"])
    rows = [
        ",".join(LEDGER_HEADERS),
        # a bad check digit, and a member before any head with no household number
        "测试甲,9,411221198001010012,户主,411221100201,411221205201,分散安置",
        "测试乙,,411221198001010020,配偶,411221100201,411221205201,分散安置",
    ]
    page = client.get("/imports/").get_data(as_text=True)
    resp = client.post(
        "/imports/",
        data={
            "csrf_token": csrf_from(page),
            "file": (io.BytesIO("\n".join(rows).encode("utf-8")), "ledger.csv"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    preview = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "check digit is wrong" in preview
    assert "Fill in the household number, or put the head" in preview
    check_pages(client, db, [resp.headers["Location"], "/imports/"])
    # a file of the wrong kind: the message is in English too
    resp = client.post(
        "/imports/",
        data={"csrf_token": csrf_from(page), "file": (io.BytesIO(b"x"), "ledger.xls")},
        content_type="multipart/form-data",
    )
    assert "This .xls file cannot be read: open it in Excel or WPS" in resp.get_data(as_text=True)


# --- workflow messages follow the interface language -------------------------------------------
@pytest.fixture()
def offices(app, make_user):  # type: ignore[no-untyped-def]
    def office(role: Role, code: str) -> Office:
        return Office(app, make_user(role, code))

    return office


def _submit_without_option(db, staff: Office, case) -> str:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    fresh = db.session.get(type(case), case.id)
    resp = post_form(
        staff.client, f"/cases/{case.id}/act/submit", {"version": fresh.version, "option": ""}
    )
    assert resp.status_code == 422, resp.status_code
    return resp.get_data(as_text=True)


def test_workflow_validation_error_follows_the_language(db, offices, make_household):
    staff = offices(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household(members=1)
    intake(staff, hh, {"hukou"})
    case = case_of(db, hh.members[0], "hukou")
    assert "请填写“落户方式”" in _submit_without_option(db, staff, case)
    english(staff.client)
    page = _submit_without_option(db, staff, case)
    assert "Enter “Registration option”" in page and "请填写“落户方式”" not in page
