"""Holidays entered as ranges: one form for 国庆节 10月1日至7日, removed whole."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tests.conftest import login, post_form
from transfers.deadlines.models import CalendarOverride
from transfers.deadlines.services import work_calendar
from workflows.roles import Role


def _days(db) -> list[date]:  # type: ignore[no-untyped-def]
    return list(db.session.scalars(select(CalendarOverride.day).order_by(CalendarOverride.day)))


def test_a_range_is_entered_in_one_form_and_removed_whole(client, make_user, db):
    login(client, make_user(Role.ADMIN, "41"))
    resp = post_form(
        client,
        "/admin/calendar",
        {"starts_on": "2031-10-01", "ends_on": "2031-10-07", "is_workday": "0", "note": "国庆节"},
    )
    assert resp.status_code == 302
    assert _days(db) == [date(2031, 10, d) for d in range(1, 8)]
    assert not work_calendar().is_workday(date(2031, 10, 6))
    post_form(
        client,
        "/admin/calendar",
        {"starts_on": "2031-10-11", "is_workday": "1", "note": "国庆节调休上班"},
    )
    html = client.get("/admin/calendar").get_data(as_text=True)
    assert "2031年10月01日至2031年10月07日" in html or "2031年10月1日至2031年10月7日" in html
    assert "共7天" in html and "国庆节调休上班" in html
    resp = post_form(
        client,
        "/admin/calendar",
        {"starts_on": "2031-10-01", "ends_on": "2031-10-07"},
        post_url="/admin/calendar/remove",
    )
    assert resp.status_code == 302
    assert _days(db) == [date(2031, 10, 11)]
    assert work_calendar().is_workday(date(2031, 10, 6))


def test_a_bad_range_is_refused_with_its_reason_and_changes_nothing(client, make_user, db):
    login(client, make_user(Role.ADMIN, "41"))
    for data, message in [
        ({"starts_on": "2031-10-07", "ends_on": "2031-10-01", "note": "国庆节"}, "不能早于"),
        ({"starts_on": "2031-01-01", "ends_on": "2031-03-01", "note": "寒假"}, "最多录入31天"),
        ({"starts_on": "2031-10-01", "ends_on": "2031-10-07", "note": ""}, "请填写名称"),
    ]:
        resp = post_form(client, "/admin/calendar", {"is_workday": "0", **data})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422 and message in html, message
        assert data["starts_on"] in html  # nothing typed is lost
    assert db.session.scalar(select(func.count()).select_from(CalendarOverride)) == 0
