"""The dashboard charts' numbers equal a hand count of the fixture (see conftest)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.conftest import login
from transfers.jurisdictions.models import Jurisdiction
from transfers.supervision import charts
from transfers.tasks.models import Task

T = date(2026, 11, 27)  # a Friday; its week starts on Monday 2026-11-23


def node(db, code: str) -> Jurisdiction:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


def test_by_procedure_counts_open_cases_and_overdue_tasks_of_the_county(db, board):
    board(T)
    bars = charts.by_procedure(node(db, "411221"), T)
    # open: A1 A2 A3 B1 C1 D1 (not E1 in 陕州区, not G/H closed); overdue: all but D1
    assert [(b.key, b.open, b.overdue) for b in bars] == [("hukou", 6, 5)]


def test_by_jurisdiction_splits_into_the_child_jurisdictions(db, board):
    board(T)
    bars = charts.by_jurisdiction(node(db, "411221"), T)
    assert [(b.label, b.open, b.overdue) for b in bars] == [
        ("城关镇", 5, 4),
        ("英豪镇", 1, 1),
        ("段村乡", 0, 0),
    ]
    bars = charts.by_jurisdiction(node(db, "411221100"), T)
    assert [(b.label, b.open, b.overdue) for b in bars] == [("幸福社区", 4, 3), ("阳光社区", 1, 1)]
    assert charts.by_jurisdiction(node(db, "411221100201"), T) == []  # a village: no children


def test_weekly_trend_of_the_last_twelve_weeks(db, board):
    data = board(T)
    h = data["cases"]["H"]
    first_step = db.session.scalars(
        select(Task).where(Task.case_id == h.id).order_by(Task.id)
    ).first()
    weeks = charts.weekly(node(db, "411221"), T)
    assert len(weeks) == 12
    assert weeks[0].start == date(2026, 9, 7) and weeks[-1].start == date(2026, 11, 23)
    by_start = {w.start: (w.opened, w.completed, w.overdue) for w in weeks}
    # opened: the eight county cases on Monday 11-02 (not E1: another county)
    assert sum(w.opened for w in weeks) == 8 and by_start[date(2026, 11, 2)][0] == 8
    # completed: G on 11-05, H on Saturday 11-21 (local days)
    assert [w.completed for w in weeks][-4:] == [1, 0, 1, 0]
    # became overdue (the day after the due date, still open then):
    #   A3 due 10-18 -> 10-19; B1 due 11-07 -> 11-08 (Sunday, week of 11-02);
    #   A2 due 11-17 -> 11-18; C1 due 11-24 -> 11-25, A1 due 11-26 -> 11-27;
    #   H's first step, due 11-16, was closed late on 11-20 -> 11-17.
    assert first_step.due_on == date(2026, 11, 16)
    expected = {
        date(2026, 10, 19): 1,
        date(2026, 11, 2): 1,
        date(2026, 11, 16): 2,
        date(2026, 11, 23): 2,
    }
    assert {w.start: w.overdue for w in weeks if w.overdue} == expected


def test_another_countys_supervisor_counts_only_its_own_cases(db, board, make_user):
    board(T)
    bars = charts.by_procedure(node(db, "411203"), T)
    assert [(b.key, b.open, b.overdue) for b in bars] == [("hukou", 1, 1)]  # E1 only
    assert sum(w.opened for w in charts.weekly(node(db, "411203"), T)) == 1


def test_dashboard_page_carries_the_chart_data_and_tables(db, board, client):
    data = board(T)
    login(client, data["users"]["county"])
    html = client.get("/supervision/").get_data(as_text=True)
    assert html.count("data-chart=") == 3
    assert 'id="chart-by-procedure"' in html and 'id="chart-weekly"' in html
    assert "/static/charts.js" in html and "echarts.min.js" in html
    assert "__KEY__" in html  # the drill-down link pattern
