"""The supervisors' daily digest instead of a message per 催办/督办, and the inbox grouped
per case with 全部已读."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import NOW, login, post_form
from tests.deadlines.conftest import china
from transfers.cases.services import open_intake
from transfers.deadlines.sweep import sweep
from transfers.inbox.digest import DigestLine, compose, digest_hour, send_digests
from transfers.inbox.models import Notification
from transfers.inbox.services import unread_count


def _kinds(db, user):  # type: ignore[no-untyped-def]
    return list(
        db.session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


@pytest.fixture()
def three_overdue(db, office, make_household):  # type: ignore[no-untyped-def]
    """The office's case and two more households' hukou cases, all due 11-16."""
    for _ in range(2):
        hh = make_household()
        open_intake(
            household=hh, requests=[(hh.members[0], "hukou")], actor=office["staff"], now=NOW
        )
    db.session.commit()
    return office


def test_a_supervisor_gets_one_digest_not_a_message_per_case(db, three_overdue):
    office = three_overdue
    result = sweep(china(2026, 11, 17, 0, 0))
    db.session.commit()
    assert result.escalations == {"township": 3} and result.problems == 3
    assert _kinds(db, office["township"]) == []
    sent = send_digests(china(2026, 11, 17, 8, 0))
    db.session.commit()
    assert [n.user_id for n in sent] == [office["township"].id]
    digest = sent[0]
    assert digest.title.startswith("【每日汇总】11月17日：3件事项") and "催办3" in digest.title
    assert digest.body.count("【催办】") == 3 and digest.body.count("【新增问题】") == 3
    assert "王建国" not in digest.body and "王*国" in digest.body  # names masked
    # again at once: nothing new, no second message
    assert send_digests(china(2026, 11, 17, 8, 5)) == []
    # a week later the 督办 reach the county supervisor, in one message
    sweep(china(2026, 11, 23, 0, 0))
    db.session.commit()
    later = send_digests(china(2026, 11, 23, 8, 0))
    assert [n.user_id for n in later] == [office["county"].id]
    assert later[0].body.count("【督办】") == 3 and "已超期7天" in later[0].body


def test_compose_lists_at_most_thirty_lines_and_counts_the_rest():
    lines = [DigestLine(i, f"【催办】事项{i}") for i in range(45)]
    title, body = compose(lines, china(2026, 11, 17, 8, 0))
    assert "45件事项（催办45）" in title
    assert body.count("【催办】") == 30 and "另有15条" in body


def test_digest_hour_is_configurable(monkeypatch):
    monkeypatch.delenv("DIGEST_HOUR", raising=False)
    assert digest_hour({}) == 8
    assert digest_hour({"DIGEST_HOUR": "6"}) == 6
    monkeypatch.setenv("DIGEST_HOUR", "19")
    assert digest_hour({}) == 19
    with pytest.raises(ValueError, match="DIGEST_HOUR"):
        digest_hour({"DIGEST_HOUR": "24"})


def test_the_scheduler_sends_the_digest_daily_at_the_hour(app, monkeypatch):
    from transfers.scheduler import build_scheduler

    monkeypatch.setitem(app.config, "DIGEST_HOUR", 7)
    job = build_scheduler(app).get_job("supervisor-digest")
    assert job is not None
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert fields["hour"] == "7" and fields["minute"] == "0"


def test_inbox_one_line_per_case_and_read_all(app, db, three_overdue):
    office = three_overdue
    sweep(china(2026, 11, 12, 0, 0))  # reminders
    sweep(china(2026, 11, 17, 0, 0))  # 催办
    send_digests(china(2026, 11, 17, 8, 0))
    db.session.commit()
    staff, lead = office["staff"], office["township"]
    assert unread_count(staff) == 6
    c = app.test_client()
    login(c, staff)
    page = c.get("/inbox/").get_data(as_text=True)
    assert page.count("data-inbox-line") == 3 and page.count("本事项共2条消息") == 3
    assert "全部已读" in page
    # a case's own page lists its two messages
    case_page = c.get(f"/inbox/?case={office['case'].id}").get_data(as_text=True)
    assert "【到期提醒】" in case_page and "【催办】" in case_page
    post_form(c, "/inbox/", {}, post_url="/inbox/read-all")
    assert unread_count(staff) == 0
    assert "data-inbox-line" not in c.get("/inbox/?unread=1").get_data(as_text=True)
    # the supervisor's digest is a line of its own; opening it stays in the inbox
    s = app.test_client()
    login(s, lead)
    assert s.get("/inbox/").get_data(as_text=True).count("data-inbox-line") == 1
    digest = db.session.scalar(select(Notification).where(Notification.user_id == lead.id))
    resp = post_form(s, "/inbox/", {}, post_url=f"/inbox/{digest.id}/open")
    assert resp.headers["Location"].endswith("/inbox/") and unread_count(lead) == 0
    # nobody opens another user's message
    assert post_form(c, "/inbox/", {}, post_url=f"/inbox/{digest.id}/open").status_code == 404
