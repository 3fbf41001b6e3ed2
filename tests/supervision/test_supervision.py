"""Dashboard, ledgers and summaries equal a hand count of the fixture (see conftest)."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from tests.conftest import login, post_form
from tests.supervision.conftest import SUBMIT, at
from transfers.db import utcnow
from transfers.engine import InvalidAction, PermissionDenied, act, open_task
from transfers.jurisdictions.models import Jurisdiction
from transfers.supervision.dashboard import dashboard
from transfers.supervision.ledgers import close_problem, plan_rectification
from transfers.supervision.models import Problem
from transfers.supervision.overdue import OverdueFilter, overdue_query, overdue_rows, tasks_in_order
from transfers.supervision.summaries import Period, summary
from workflows.calendar import local_date

T = date(2026, 11, 27)


def node(code: str) -> Jurisdiction:
    from transfers.extensions import db

    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


def test_dashboard_counts_for_the_county(db, board):
    data = board(T)
    county = data["users"]["county"]
    d = dashboard(county, T, OverdueFilter(), node("411221"))
    assert d.total == 5  # A1 A2 A3 B1 C1; not D1 (on time), E1 (other county), G/H closed
    assert {j.name if j else None: n for j, n in d.by_jurisdiction} == {
        "城关镇": 4,
        "英豪镇": 1,
        "段村乡": 0,
    }
    assert d.by_procedure == [("hukou", 5)]
    assert [(k, n) for k, _l, n in d.by_bucket] == [
        ("1-5", 2),
        ("6-15", 1),
        ("16-30", 1),
        ("31+", 1),
    ]
    assert [(k, n) for k, _l, n in d.by_level] == [("none", 2), ("township", 2), ("district", 1)]
    offices = {(o["jurisdiction"].name, o["role"]): o["total"] for o in d.by_office}
    assert offices == {
        ("幸福社区", "village_staff"): 3,
        ("阳光社区", "village_staff"): 1,
        ("英豪新村", "village_staff"): 1,
    }


def test_dashboard_drill_down_and_filters(db, board):
    data = board(T)
    county, chengguan = data["users"]["county"], data["users"]["chengguan"]
    d = dashboard(chengguan, T, OverdueFilter(node=node("411221100").path), node("411221100"))
    assert d.total == 4
    assert {j.name: n for j, n in d.by_jurisdiction if j} == {"幸福社区": 3, "阳光社区": 1}
    f = OverdueFilter(level="township")
    assert (
        db.session.scalar(
            select(db.func.count()).select_from(overdue_query(county, T, f).subquery())
        )
        == 2
    )
    f = OverdueFilter(bucket="1-5", node=node("411221100").path)
    rows = db.session.scalars(overdue_rows(chengguan, T, f)).unique().all()
    assert [t.case_id for t in rows] == [data["cases"]["A1"].id]
    yinghao = data["users"]["yinghao"]
    rows = db.session.scalars(overdue_rows(yinghao, T, OverdueFilter())).unique().all()
    assert [t.case_id for t in rows] == [data["cases"]["C1"].id]  # only its own township


@pytest.mark.parametrize("sort", ["due", "-due", "procedure", "office"])
def test_the_board_picks_the_same_page_of_the_list_as_the_list_query(db, board, sort):
    data = board(T)
    county = data["users"]["county"]
    for f in (OverdueFilter(sort=sort), OverdueFilter(sort=sort, level="township")):
        listed = [t.id for t in db.session.scalars(overdue_rows(county, T, f)).unique()]
        for offset, limit in ((0, 2), (2, 2), (4, 2), (0, 20)):
            d = dashboard(county, T, f, node("411221"), page=(offset, limit))
            assert d.page_ids == listed[offset : offset + limit], (f, offset)
            assert [t.id for t in tasks_in_order(d.page_ids)] == d.page_ids


def test_monthly_summary_by_jurisdiction_and_office(db, board):
    data = board(T)
    county = data["users"]["county"]
    a2 = data["cases"]["A2"]
    problem = Problem(
        kind="overdue",
        case_id=a2.id,
        task_id=open_task(a2).id,
        jurisdiction_path=a2.jurisdiction_path,
        description="超期",
        opened_at=at(date(2026, 11, 18)),
    )
    b1 = data["cases"]["B1"]
    db.session.add_all(
        [
            problem,
            Problem(
                kind="violation",
                case_id=b1.id,
                jurisdiction_path=b1.jurisdiction_path,
                description="违规",
                opened_at=at(date(2026, 11, 11)),
            ),
        ]
    )
    db.session.flush()
    # A problem is closed off once its case is done: here one on the completed case G.
    g = data["cases"]["G"]
    done = Problem(
        kind="overdue",
        case_id=g.id,
        jurisdiction_path=g.jurisdiction_path,
        description="超期",
        opened_at=at(date(2026, 11, 4)),
        measures="约谈承办人",
    )
    db.session.add(done)
    db.session.flush()
    close_problem(done, actor=county, resolution="已办结", now=at(date(2026, 11, 20)))
    s = summary(node("411221"), Period("month", 2026, 11), T)
    rows = {r.label: r for r in s.by_jurisdiction}
    assert rows["城关镇"].values == {
        "opened": 7,
        "closed": 2,
        "on_time": 1,
        "overdue": 4,
        "township": 3,
        "district": 1,
        "problems_opened": 3,  # A2 and G (overdue), B1 (a violation)
        "problems_closed": 1,
    }
    assert rows["城关镇"].value("rate") == "50.0%"
    assert rows["英豪镇"].values == {"opened": 1, "overdue": 1}
    assert s.total.values["opened"] == 8 and s.total.values["overdue"] == 5
    offices = {r.label: r.values for r in s.by_office}
    assert offices["幸福社区村/社区工作人员"]["closed"] == 2
    assert offices["幸福社区村/社区工作人员"]["on_time"] == 1
    assert offices["幸福社区村/社区工作人员"]["overdue"] == 3
    assert offices["城关镇派出所"] == {"closed": 2, "on_time": 2}
    assert offices["阳光社区村/社区工作人员"]["overdue"] == 1
    q = summary(node("411221"), Period("quarter", 2026, 4), T)
    assert q.total.values["opened"] == 8 and q.period.label == "2026年第四季度"


def test_closing_a_problem_needs_a_resolution(db, board):
    data = board(T)
    county = data["users"]["county"]
    a2 = data["cases"]["A2"]
    p = Problem(
        kind="overdue",
        case_id=a2.id,
        jurisdiction_path=a2.jurisdiction_path,
        description="超期",
        opened_at=at(date(2026, 11, 18)),
    )
    db.session.add(p)
    db.session.commit()
    with pytest.raises(InvalidAction):
        close_problem(p, actor=county, resolution="  ", now=at(date(2026, 11, 20)))
    with pytest.raises(PermissionDenied):
        close_problem(p, actor=data["users"]["yinghao"], resolution="x", now=at(T))
    # The database refuses it too, whatever the code path.
    with pytest.raises(IntegrityError):
        db.session.execute(
            text("UPDATE problem SET closed_at = :t, closed_by_id = :u WHERE id = :id"),
            {"t": at(T), "u": county.id, "id": p.id},
        )
    db.session.rollback()
    with pytest.raises(InvalidAction, match="整改措施"):
        close_problem(p, actor=county, resolution="已督促派出所办结", now=at(date(2026, 11, 20)))
    plan_rectification(p, actor=county, measures="约谈承办人，限期办结", rectify_by=None, office="")
    with pytest.raises(InvalidAction, match="仍超期"):  # the case is still overdue
        close_problem(p, actor=county, resolution="已督促派出所办结", now=at(date(2026, 11, 20)))
    act(
        case_id=a2.id,
        action="submit",
        actor=data["users"]["staff"],
        seen_version=None,
        data=SUBMIT,
        now=at(date(2026, 11, 19)),
    )  # the window hands it on: its step is within its time limit again
    close_problem(p, actor=county, resolution="已督促派出所办结", now=at(date(2026, 11, 20)))
    db.session.commit()
    assert p.is_closed and p.closed_by_id == county.id
    assert a2.events[-1].kind == "problem_closed"


def test_dashboard_page_ledgers_and_notices(app, client, db, board):
    today = local_date(utcnow())
    data = board(today)
    county, chengguan = data["users"]["county"], data["users"]["chengguan"]
    login(client, chengguan)
    html = client.get("/supervision/").get_data(as_text=True)
    assert 'id="overdue-total">4<' in html and "● 超期" in html
    assert client.get(f"/supervision/?node={node('411221101').id}").status_code == 403
    resp = client.get(f"/supervision/notice/township/village_staff/{node('411221100201').id}")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "催 办 单" in page and "（盖章）" in page
    assert page.count("<tr><td>") == 2  # A2 and A3 carry a 催办 in 幸福社区
    assert (
        client.get(
            f"/supervision/notice/district/village_staff/{node('411221100201').id}"
        ).status_code
        == 403
    )  # a township cannot issue a 督办单
    resp = client.get("/supervision/ledgers/work?format=xlsx")
    assert resp.status_code == 200
    ws = openpyxl.load_workbook(__import__("io").BytesIO(resp.data)).active
    assert ws.cell(2, 1).value == "序号" and ws.cell(2, 2).value == "办件编号"
    assert ws.max_row == 2 + 7  # the 7 cases of 城关镇, one row each

    g = data["cases"]["G"]  # completed since the problem was opened
    p = Problem(
        kind="overdue",
        case_id=g.id,
        jurisdiction_path=g.jurisdiction_path,
        description="超期未办",
        opened_at=utcnow(),
        measures="约谈承办人，限期办结",
    )
    db.session.add(p)
    a2 = data["cases"]["A2"]
    still = Problem(
        kind="overdue",
        case_id=a2.id,
        jurisdiction_path=a2.jurisdiction_path,
        description="超期未办",
        opened_at=utcnow(),
        measures="约谈承办人",
    )
    db.session.add(still)
    db.session.commit()
    resp = post_form(
        client, f"/supervision/problems/{still.id}", {"do": "close", "resolution": "已办"}
    )
    assert resp.status_code == 422 and "仍超期" in resp.get_data(as_text=True)
    for ledger in ("problems", "rectification"):
        resp = client.get(f"/supervision/ledgers/{ledger}?format=xlsx")
        ws = openpyxl.load_workbook(__import__("io").BytesIO(resp.data)).active
        assert ws.max_row == 4 and ws.cell(3, 2).value == p.number
    url = f"/supervision/problems/{p.id}"
    resp = post_form(client, url, {"do": "close", "resolution": ""})
    assert resp.status_code == 422 and "销号须填写整改结果" in resp.get_data(as_text=True)
    resp = post_form(client, url, {"do": "close", "resolution": "已办结"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Problem, p.id).resolution == "已办结"

    other = app.test_client()
    login(other, county)
    html = other.get("/supervision/summary").get_data(as_text=True)
    assert "办理效能统计" in html and "按时办结率" in html
    resp = other.get("/supervision/summary?format=xlsx")
    wb = openpyxl.load_workbook(__import__("io").BytesIO(resp.data))
    assert wb.sheetnames == ["按辖区", "按办理单位"]


def test_supervision_pages_are_for_supervisors(client, db, board):
    data = board(T)
    login(client, data["users"]["staff"])
    assert client.get("/supervision/").status_code == 403
    assert client.get("/supervision/ledgers/problems").status_code == 403
