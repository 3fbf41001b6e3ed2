"""Administrator pages, suspension on the case page, the inbox, e-mail after commit, CLI."""

from __future__ import annotations

import socket
from datetime import date
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import func, select

from tests.conftest import login, post_form
from tests.deadlines.conftest import china
from transfers.deadlines.models import CalendarOverride, Suspension, TimeLimit
from transfers.deadlines.services import limit_for, missing_calendar_years
from transfers.deadlines.sweep import sweep
from transfers.inbox.mail import SmtpSettings, deliver
from transfers.inbox.models import Notification
from transfers.inbox.services import set_mail_address, unread_count
from workflows.calendar import Limit, LimitUnit


def test_admin_changes_a_limit_for_one_township(client, db, office, geo):
    login(client, office["admin"])
    page = client.get("/admin/limits")
    assert page.status_code == 200 and "户口迁移" in page.get_data(as_text=True)
    township = geo["411221100"].path
    resp = post_form(
        client,
        "/admin/limits",
        {
            "step": "hukou:police_review",
            "jurisdiction": township,
            "amount": "5",
            "unit": "working_days",
        },
    )
    assert resp.status_code == 302
    assert limit_for("hukou", "police_review", township) == Limit(5, LimitUnit.WORKING_DAYS)
    assert limit_for("hukou", "police_review", geo["411221101"].path) == Limit(10)
    resp = post_form(client, "/admin/limits", {"step": "hukou:police_review", "amount": "0"})
    assert resp.status_code == 422
    row = db.session.scalar(select(TimeLimit))
    resp = post_form(client, "/admin/limits", {}, post_url=f"/admin/limits/{row.id}/delete")
    assert resp.status_code == 302
    assert limit_for("hukou", "police_review", township) == Limit(10)


def test_admin_pages_are_for_administrators(client, db, office):
    login(client, office["staff"])
    assert client.get("/admin/limits").status_code == 403
    assert client.get("/admin/calendar").status_code == 403


def test_calendar_override_and_unknown_year_warning(client, db, office):
    assert missing_calendar_years(date(2025, 6, 1)) == []
    assert missing_calendar_years(date(2031, 3, 1)) == [2031, 2032]
    from transfers.deadlines.services import work_calendar

    # the deployment's calendar remembers due dates: an override must make it forget them
    assert work_calendar().add_working_days(date(2031, 1, 5), 1) == date(2031, 1, 6)
    login(client, office["admin"])
    day = {"starts_on": "2031-01-06", "is_workday": "0", "note": "地方调整"}
    resp = post_form(client, "/admin/calendar", day)
    assert resp.status_code == 302
    assert db.session.scalar(select(CalendarOverride)).is_workday is False
    assert work_calendar().is_workday(date(2031, 1, 6)) is False
    assert work_calendar().add_working_days(date(2031, 1, 5), 1) == date(2031, 1, 7)


def test_unknown_year_page_warns_instead_of_crashing(client, db, office, monkeypatch):
    import transfers.deadlines.views as views

    monkeypatch.setattr(views, "utcnow", lambda: china(2031, 3, 2))
    login(client, office["admin"])
    html = client.get("/admin/calendar").get_data(as_text=True)
    assert 'id="calendar-warning-2031"' in html and "周一至周五" in html
    import transfers.web as web

    monkeypatch.setattr(web, "utcnow", lambda: china(2031, 3, 2))
    assert "日历缺2031、2032年" in client.get("/").get_data(as_text=True)


def test_one_time_notice_from_the_case_page(client, db, office):
    case = office["case"]
    login(client, office["staff"])
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "暂停计时" in html
    resp = post_form(
        client,
        f"/cases/{case.id}",
        {"reason": "申请材料不齐全", "items": "户口簿原件\n安置房入住证明"},
        post_url=f"/tasks/{office['task'].id}/suspend",
    )
    assert resp.status_code == 302
    s = db.session.scalar(select(Suspension))
    notice = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "一次性告知书" in notice and s.notice_no in notice and "户口簿原件" in notice
    assert "（盖章）" in notice
    running = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "挂起（暂停计时）" in running  # the case page shows the step's running suspension
    for item in s.items:
        resp = post_form(
            client, f"/cases/{case.id}", {}, post_url=f"/missing-items/{item.id}/receive"
        )
        assert resp.status_code == 302
    db.session.expire_all()
    s = db.session.get(Suspension, s.id)
    assert not s.is_running
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "恢复计时" in html and "一次性告知" in html and "补正材料收到" in html
    assert "挂起（暂停计时）" not in html  # ended: listed among the past, not as running


def test_other_offices_cannot_suspend(client, db, office):
    login(client, office["police"])
    resp = post_form(
        client,
        "/",
        {"reason": "x"},
        post_url=f"/tasks/{office['task'].id}/suspend",
    )
    assert resp.status_code == 403


def test_inbox_unread_count_in_the_header(client, db, office):
    sweep(china(2026, 11, 12))  # the reminder, then the 催办 of the same case
    sweep(china(2026, 11, 17))
    db.session.commit()
    login(client, office["staff"])
    html = client.get("/").get_data(as_text=True)
    assert 'id="inbox-unread"' in html and ">2<" in html
    page = client.get("/inbox/").get_data(as_text=True)
    # one line for the case: its latest message (the 催办) and the count
    assert page.count("data-inbox-line") == 1 and "【催办】" in page
    assert "本事项共2条消息" in page and "2条未读" in page
    latest = db.session.scalar(
        select(Notification)
        .where(Notification.user_id == office["staff"].id)
        .order_by(Notification.id.desc())
    )
    resp = post_form(client, "/inbox/", {}, post_url=f"/inbox/{latest.id}/open")
    assert resp.headers["Location"].endswith(f"/cases/{office['case'].id}")
    assert unread_count(office["staff"]) == 0  # the case's messages are read together
    sweep(china(2026, 11, 23))  # the 督办
    db.session.commit()
    assert unread_count(office["staff"]) == 1
    post_form(client, "/inbox/", {}, post_url="/inbox/read-all")
    assert unread_count(office["staff"]) == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collect(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
        self.messages.append(message)


@pytest.fixture()
def smtp_server():  # type: ignore[no-untyped-def]
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def test_mail_goes_out_after_commit_once(app, db, office, smtp_server):
    from transfers.scheduler import run_digest, run_sweep

    controller, handler = smtp_server
    set_mail_address(office["staff"], "clerk@xingfu.example")
    set_mail_address(office["township"], "lead@chengguan.example")
    db.session.commit()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_FROM="xt@example.cn")
    try:
        result = run_sweep(app, china(2026, 11, 17))
        digests = run_digest(app, china(2026, 11, 18, 8, 0))
    finally:
        app.config.update(SMTP_HOST=None, SMTP_PORT=None, SMTP_FROM=None)
    assert result.escalations["township"] == 1 and digests == 1
    sent = [(m["To"], str(make_header(decode_header(m["Subject"])))) for m in handler.messages]
    # the office gets the 催办 at once, the township supervisor one daily digest
    assert [to for to, _subject in sent] == ["clerk@xingfu.example", "lead@chengguan.example"]
    assert "【催办】" in sent[0][1] and "【每日汇总】" in sent[1][1]
    mailed = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.mailed_at.is_not(None))
    )
    assert mailed == 2
    # Delivering again sends nothing: each message is mailed once.
    ids = list(db.session.scalars(select(Notification.id)))
    assert deliver(ids, SmtpSettings("127.0.0.1", controller.port), now=china(2026, 11, 17)) == 0


def test_nothing_is_mailed_when_the_transaction_rolls_back(app, db, office, smtp_server):
    controller, handler = smtp_server
    set_mail_address(office["township"], "lead@chengguan.example")
    db.session.commit()
    result = sweep(china(2026, 11, 17))
    ids = list(result.notification_ids)
    db.session.rollback()  # the sweep's transaction failed: no rows, no mail
    assert deliver(ids, SmtpSettings("127.0.0.1", controller.port), now=china(2026, 11, 17)) == 0
    assert handler.messages == []


def test_sweep_cli_prints_a_summary_and_repeats_harmlessly(app, db, office):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["sweep", "--at", "2026-11-17T09:00+08:00"])
    assert out.exit_code == 0, out.output
    assert "催办1件" in out.output and "新增问题1个" in out.output
    again = runner.invoke(args=["sweep", "--at", "2026-11-17T09:05+08:00"])
    assert "催办0件" in again.output and "站内消息0条" in again.output


def test_acting_while_suspended_keeps_the_record_on_the_case_page(client, db, office):
    from transfers.deadlines.suspension import suspend
    from transfers.engine import act

    case = office["case"]
    suspend(office["task"], actor=office["staff"], reason="等待核实", now=china(2026, 11, 3))
    act(
        case_id=case.id,
        action="submit",
        actor=office["staff"],
        seen_version=None,
        data={"option": "site_address", "building": "3", "unit": "2", "door": "501"},
        now=china(2026, 11, 4),
    )
    db.session.commit()
    login(client, office["staff"])
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "环节已办理：等待核实" in html
