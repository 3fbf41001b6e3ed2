"""Dashboard snapshots of province and city nodes: the same numbers as live, shown with
their time, and not used when stale, filtered or below city level."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import login
from transfers.db import utcnow
from transfers.jurisdictions.models import Jurisdiction
from transfers.supervision import charts, snapshot
from transfers.supervision.dashboard import dashboard
from transfers.supervision.models import DashboardSnapshot
from transfers.supervision.overdue import OverdueFilter
from workflows.calendar import local_date
from workflows.roles import Role


def node(db, code: str) -> Jurisdiction:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


def test_refresh_stores_province_and_cities_only_and_loads_the_live_numbers(db, board, make_user):
    now = utcnow()
    today = local_date(now)
    board(today)
    province_lead = make_user(Role.COUNTY_SUPERVISOR, "41")
    assert snapshot.refresh(today, now) == 4  # 河南省, 三门峡市, 山西省, 运城市
    db.session.commit()
    assert (
        db.session.scalar(
            select(DashboardSnapshot).where(
                DashboardSnapshot.jurisdiction_id == node(db, "411221").id
            )
        )
        is None
    )
    for code in ("41", "4112"):
        n = node(db, code)
        loaded = snapshot.load(n, today, now)
        assert loaded is not None
        got, got_charts, as_of = loaded
        live = dashboard(province_lead, today, OverdueFilter(node=n.path), n)
        assert got == live
        assert got_charts == charts.dashboard_charts(n, today)
        assert as_of == db.session.get(DashboardSnapshot, n.id).computed_at
    assert got.total == 6  # 三门峡市: the five overdue tasks of 渑池县 and E1 in 陕州区
    assert snapshot.load(node(db, "411221"), today, now) is None  # counties count live


def test_a_stale_or_yesterdays_snapshot_is_not_used(db, board):
    now = utcnow()
    today = local_date(now)
    board(today)
    snapshot.refresh(today, now)
    db.session.commit()
    province = node(db, "41")
    assert snapshot.load(province, today, now + snapshot.MAX_AGE) is not None
    assert snapshot.load(province, today, now + snapshot.MAX_AGE + timedelta(seconds=1)) is None
    assert snapshot.load(province, today + timedelta(days=1), now) is None


def test_the_page_shows_the_snapshot_with_its_time_and_filters_count_live(
    db, board, make_user, client
):
    now = utcnow()
    today = local_date(now)
    board(today)
    lead = make_user(Role.COUNTY_SUPERVISOR, "41")
    login(client, lead)
    html = client.get("/supervision/").get_data(as_text=True)
    assert 'id="as-of"' not in html  # no snapshot yet: live
    live_total = html.split('id="overdue-total">')[1].split("<")[0]
    snapshot.refresh(today, now)
    snap = db.session.get(DashboardSnapshot, node(db, "41").id)
    snap.data = {**snap.data, "total": 999}  # tell the snapshot from live counts
    db.session.commit()
    html = client.get("/supervision/").get_data(as_text=True)
    assert 'id="overdue-total">999<' in html and 'id="as-of"' in html
    assert html.count("data-chart=") == 3
    html = client.get("/supervision/?procedure=hukou").get_data(as_text=True)
    assert 'id="as-of"' not in html and f'id="overdue-total">{live_total}<' in html


def test_the_scheduler_job_refreshes_the_snapshots(db, board, app):
    from transfers.scheduler import run_snapshots

    now = utcnow()
    board(local_date(now))
    assert run_snapshots(app, now) == 4
    assert db.session.scalar(select(DashboardSnapshot.computed_at).limit(1)) == now


def test_the_one_pass_refresh_counts_a_step_where_its_office_lies_as_live(db, board, make_user):
    """A step counts where its office lies, not where its case lies: here E1's open step
    waits at an office of another province (山西省历山镇), and C1's at 三门峡市 itself."""
    from transfers.engine import open_task

    now = utcnow()
    today = local_date(now)
    cases = board(today)["cases"]
    elsewhere, city = node(db, "140827203"), node(db, "4112")
    for key, office in (("E1", elsewhere), ("C1", city)):
        task = open_task(cases[key])
        task.jurisdiction_id, task.jurisdiction_path = office.id, office.path
    db.session.commit()
    lead = make_user(Role.COUNTY_SUPERVISOR, "14")
    lead41 = make_user(Role.COUNTY_SUPERVISOR, "41")
    snapshot.refresh(today, now)
    db.session.commit()
    for code, user in (("41", lead41), ("4112", lead41), ("14", lead), ("1408", lead)):
        n = node(db, code)
        got, got_charts, _as_of = snapshot.load(n, today, now)
        assert got == dashboard(user, today, OverdueFilter(node=n.path), n), code
        assert got_charts == charts.dashboard_charts(n, today), code
    shanxi, _c, _t = snapshot.load(node(db, "14"), today, now)
    assert shanxi.total == 1  # E1, through its office
    sanmenxia, _c, _t = snapshot.load(city, today, now)
    assert sanmenxia.total == 5  # not E1 (its case lies in 陕州区, its office in 山西省)
    assert {j.name if j else None: n for j, n in sanmenxia.by_jurisdiction} == {
        "渑池县": 4,
        "陕州区": 0,
        None: 1,  # C1 at the city's own office
    }
