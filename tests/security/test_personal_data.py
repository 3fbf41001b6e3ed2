"""Personal data: masked ID numbers in lists and logs, an audited full view, and no
names or ID numbers in error pages or application logs."""

from __future__ import annotations

import json
import logging

from sqlalchemy import func, select, text

from tests.conftest import csrf_from, login
from tests.security.figures import report
from transfers.extensions import db as _db
from transfers.privacy.logmask import MaskIdNumbers, mask_text
from transfers.privacy.models import AccessLog
from transfers.privacy.services import verify_access_log
from workflows.idcard import mask_id_number
from workflows.roles import Role


def _reveal(client, household, person, purpose="hukou"):  # type: ignore[no-untyped-def]
    page = client.get(f"/households/{household.id}")
    return client.post(
        f"/households/{household.id}/id-number",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "person_id": person.id,
            "purpose": purpose,
        },
    )


def test_lists_and_detail_show_masked_id_numbers_only(app, make_user, make_household, db):
    from tests.conftest import NOW
    from transfers.cases.services import open_intake

    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household()
    intake = open_intake(
        household=hh, requests=[(p, "hukou") for p in hh.members], actor=staff, now=NOW
    )
    db.session.commit()
    client = app.test_client()
    login(client, staff)
    urls = [
        "/households/",
        f"/households/{hh.id}",
        f"/households/?q={hh.members[0].name}",
        f"/households/?q={hh.members[0].id_number[-4:]}",
        "/tasks/",
        f"/cases/receipts/{intake.receipt_no}",
        f"/cases/{intake.cases[0].id}",
    ]
    for url in urls:
        resp = client.get(url)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, url
        for p in hh.members:
            assert p.id_number not in html, url
    assert mask_id_number(hh.members[0].id_number) in client.get("/households/").get_data(
        as_text=True
    )
    queue = client.get("/tasks/").get_data(as_text=True)
    assert hh.members[0].name not in queue and "王*国" in queue
    report(f"[personal data] pages checked: {len(urls)}, full ID numbers found: 0")


def test_full_id_view_is_a_deliberate_audited_post(app, make_user, make_household, db):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household()
    person = hh.members[1]
    client = app.test_client()
    login(client, staff)
    assert client.get(f"/households/{hh.id}/id-number").status_code == 405
    # no CSRF token: refused, nothing recorded
    resp = client.post(
        f"/households/{hh.id}/id-number", data={"person_id": person.id, "purpose": "hukou"}
    )
    assert resp.status_code in (302, 400)
    # no purpose: refused, nothing recorded, number still masked
    resp = _reveal(client, hh, person, purpose="")
    assert resp.status_code == 422 and person.id_number not in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AccessLog)) == 0

    resp = _reveal(client, hh, person)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and person.id_number in html
    assert hh.members[0].id_number not in html  # only the member asked for
    assert resp.headers["Cache-Control"] == "no-store"
    entry = db.session.scalars(select(AccessLog)).one()
    assert (entry.actor_id, entry.person_id, entry.field) == (staff.id, person.id, "id_number")
    assert "户口迁移" in entry.purpose and entry.at is not None
    # the next plain view is masked again
    assert person.id_number not in client.get(f"/households/{hh.id}").get_data(as_text=True)


def test_full_id_view_refused_outside_jurisdiction(app, make_user, make_household, db):
    other = make_user(Role.VILLAGE_STAFF, "411221101201")
    hh = make_household()
    outsider = app.test_client()
    login(outsider, other)
    assert outsider.get(f"/households/{hh.id}").status_code == 403
    token = csrf_from(outsider.get("/").get_data(as_text=True))
    resp = outsider.post(
        f"/households/{hh.id}/id-number",
        data={"csrf_token": token, "person_id": hh.members[0].id, "purpose": "hukou"},
    )
    assert resp.status_code in (400, 403)
    assert db.session.scalar(select(func.count()).select_from(AccessLog)) == 0


def test_person_of_another_household_cannot_be_revealed(app, make_user, make_household, db):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household()
    foreign = make_household(destination="411221101201", settlement_mode="scattered")
    client = app.test_client()
    login(client, staff)
    resp = _reveal(client, hh, foreign.members[0])
    assert resp.status_code == 422
    assert foreign.members[0].id_number not in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AccessLog)) == 0


def test_access_log_is_hash_chained_and_verify_catches_edits(app, make_user, make_household, db):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household(members=3)
    client = app.test_client()
    login(client, staff)
    for p in hh.members:
        assert _reveal(client, hh, p).status_code == 200
    count, problems = verify_access_log()
    assert count == 3 and problems == []
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "3 access log entries" in result.output
    first = db.session.scalars(select(AccessLog).order_by(AccessLog.id)).first()
    db.session.execute(text("UPDATE access_log SET purpose = 'x' WHERE id = :i"), {"i": first.id})
    db.session.commit()
    assert verify_access_log()[1] == [f"access log {first.id}: content altered"]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN: access log" in result.output
    db.session.execute(text("DELETE FROM access_log WHERE id = :i"), {"i": first.id})
    db.session.commit()
    assert "previous entry missing" in verify_access_log()[1][0]


def test_log_masking_of_id_numbers():
    number = "41122119800101001X"
    assert mask_text(f"id={number}, again {number.lower()}") == (
        "id=411221********001X, again 411221********001x"
    )
    assert mask_text("order 1234567890123456789012") == "order 1234567890123456789012"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "person %s", (number,), None)
    MaskIdNumbers().filter(record)
    assert record.getMessage() == "person 411221********001X"


def test_log_records_from_any_logger_are_masked(caplog):
    number = "41122119800101001X"
    with caplog.at_level(logging.INFO):
        logging.getLogger("some.library").info("looked up %s", number)
        try:
            raise ValueError(f"bad person {number}")
        except ValueError:
            logging.getLogger("transfers").exception("failed")
    assert number not in caplog.text and "411221********001X" in caplog.text


def test_a_500_shows_and_logs_no_names_or_id_numbers(
    app, make_user, make_household, db, caplog, monkeypatch
):
    """Force an internal error whose exception carries the person's name and ID number
    (a failing SQL statement with them as parameters, and an error message quoting them)."""
    from transfers.households import views

    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household()
    person = hh.members[0]
    name, number = person.name, person.id_number

    def broken_sql(household):  # type: ignore[no-untyped-def]
        _db.session.execute(
            text("SELECT * FROM no_such_table WHERE name = :n AND id_number = :i"),
            {"n": name, "i": number},
        )

    def broken_message(household):  # type: ignore[no-untyped-def]
        raise RuntimeError(f"cannot decide for {number}")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    login(client, staff)
    try:
        for breaker in (broken_sql, broken_message):
            monkeypatch.setattr(views, "proposals", breaker)
            caplog.clear()
            with caplog.at_level(logging.ERROR):
                resp = client.get(f"/households/{hh.id}")
            page = resp.get_data(as_text=True)
            assert resp.status_code == 500 and "系统内部错误" in page
            assert name not in page and number not in page
            assert caplog.records, "the error is logged"
            assert number not in caplog.text and name not in caplog.text, caplog.text
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    report("[personal data] forced 500s: 2, leaks in page or log: 0")


def test_nul_bytes_are_refused_before_any_view(app, make_user, db):
    """PostgreSQL cannot store NUL in text; such input is a 400, not a 500."""
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={"csrf_token": token, "username": "a\x00b", "password": "x"})
    assert resp.status_code == 400
    login(client, staff)
    assert client.get("/households/?q=%00").status_code == 400


def test_concurrent_full_views_keep_the_access_chain_linear(app, make_user, make_household, db):
    import threading

    from transfers.auth.models import User
    from transfers.households.models import Person
    from transfers.privacy.services import reveal_id_number

    users = [make_user(Role.VILLAGE_STAFF, "411221100201").id for _ in range(5)]
    person_id = make_household().members[0].id
    barrier = threading.Barrier(len(users))
    errors: list[str] = []

    def worker(uid: int) -> None:
        from tests.conftest import NOW
        from transfers.extensions import db as _db

        with app.app_context():
            try:
                actor, person = _db.session.get(User, uid), _db.session.get(Person, person_id)
                barrier.wait()
                reveal_id_number(person=person, actor=actor, purpose="hukou", now=NOW)
                _db.session.commit()
            except Exception as e:  # noqa: BLE001 - reported by the assertion
                _db.session.rollback()
                errors.append(f"{type(e).__name__}: {e}")
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert verify_access_log() == (5, [])


def test_an_exports_person_list_is_part_of_its_hash(app, make_user, make_household, db):
    """A full-ID export is one entry listing its persons; striking one off is caught."""
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household(members=3)
    client = app.test_client()
    login(client, staff)
    url = "/exports/households.xlsx?ids=full"
    form = client.get(url).get_data(as_text=True)
    assert all(p.id_number not in form for p in hh.members)
    resp = client.post(url, data={"csrf_token": csrf_from(form), "purpose": "assistance"})
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    entry = db.session.scalars(select(AccessLog)).one()
    assert len(entry.person_ids) == 3 and verify_access_log() == (1, [])
    kept = [entry.person_ids[0], entry.person_ids[1]]
    db.session.execute(
        text("UPDATE access_log SET person_ids = :ids WHERE id = :i"),
        {"ids": json.dumps(kept), "i": entry.id},
    )
    db.session.commit()
    assert verify_access_log()[1] == [f"access log {entry.id}: content altered"]


def test_full_ids_are_for_village_staff_only(app, make_user, make_household, db):
    police = make_user(Role.POLICE_STATION, "411221100")
    hh = make_household()
    client = app.test_client()
    login(client, police)
    resp = client.get("/exports/households.csv?ids=full")
    text_ = resp.data.decode("utf-8-sig")
    assert resp.mimetype == "text/csv" and mask_id_number(hh.members[0].id_number) in text_
    assert hh.members[0].id_number not in text_
    assert db.session.scalar(select(func.count()).select_from(AccessLog)) == 0
