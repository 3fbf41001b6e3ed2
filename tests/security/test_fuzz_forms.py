"""Hypothesis fuzz of the web forms (login, household registration, an action form,
the public lookup, document upload): no 500s, and a rejected request changes nothing in
the database (every row of every table compared before and after) nor on disk.

FUZZ_EXAMPLES sets the examples per form (default 150)."""

from __future__ import annotations

import io
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.conftest import NOW, PASSWORD, csrf_from, login, make_id
from tests.security.figures import report as report_figure
from transfers.cases.services import open_intake
from transfers.extensions import limiter
from workflows.roles import Role

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TRIED: dict[str, list[int]] = {}

# Text as browsers and scripts send it: any Unicode, control characters and NUL included.
junk = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "'; DROP TABLE person; --",
            "<script>alert(1)</script>",
            "../../etc/passwd",
            "9" * 300,
            "%s%s%n",
            "０１２",
            "-1",
            "1e9",
            "null",
        ]
    ),
)


def snapshot(db, upload_folder: Path | None = None):  # type: ignore[no-untyped-def]
    db.session.expire_all()
    state = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            state[table.name] = [tuple(r) for r in rows]
    if upload_folder is not None:
        state["files"] = (
            sorted(p.name for p in upload_folder.glob("*")) if upload_folder.exists() else []
        )
    return state


def check(db, before, resp, accepted: bool, name: str, upload_folder=None):  # type: ignore[no-untyped-def]
    tried = TRIED.setdefault(name, [0, 0])
    tried[0] += 1
    tried[1] += int(accepted)
    assert resp.status_code < 500, (resp.status_code, resp.get_data(as_text=True)[:300])
    if not accepted:
        after = snapshot(db, upload_folder)
        assert after == before, name


@pytest.fixture()
def world(app, db, make_user, make_household):  # type: ignore[no-untyped-def]
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household(members=2)
    intake = open_intake(household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW)
    db.session.commit()
    client = app.test_client()
    login(client, staff)
    token = csrf_from(client.get(f"/households/{hh.id}").get_data(as_text=True))
    return {
        "staff": staff,
        "hh": hh,
        "case": intake.cases[0],
        "intake": intake,
        "client": client,
        "token": token,
    }


def report_fuzz() -> None:
    for name, (tried, accepted) in TRIED.items():
        report_figure(
            f"[fuzz] {name}: {tried} requests, {accepted} accepted, "
            f"{tried - accepted} rejected with the database unchanged, 500s: 0"
        )
    TRIED.clear()


def _token(world, choice: str) -> str:  # type: ignore[no-untyped-def]
    return {"valid": world["token"], "missing": "", "forged": "x" * 40}[choice]


def test_fuzz_login(app, db, world):
    username = world["staff"].username

    @FUZZ
    @given(
        username=st.one_of(st.just(username), junk),
        password=st.one_of(st.just(PASSWORD), junk),
        csrf=st.sampled_from(["valid", "valid", "missing", "forged"]),
    )
    def run(username, password, csrf):  # type: ignore[no-untyped-def]
        anonymous = app.test_client()
        token = csrf_from(anonymous.get("/login").get_data(as_text=True))
        before = snapshot(db)
        data = {
            "csrf_token": {"valid": token, "missing": "", "forged": "x" * 40}[csrf],
            "username": username,
            "password": password,
        }
        resp = anonymous.post("/login", data=data)
        accepted = resp.status_code == 302
        if not accepted:
            # a refused login may count a failure (lockout) and nothing else
            after = snapshot(db)
            assert len(after.pop("user_account")) == len(before.pop("user_account"))
            after.pop("login_throttle"), before.pop("login_throttle")
            assert after == before
        check(db, before, resp, True, "login")
        TRIED["login"][1] += int(accepted) - 1

    run()
    report_fuzz()


def mutations(fields: list[str]):  # type: ignore[no-untyped-def]
    """Which fields of an otherwise valid form to replace with junk (often none or one)."""
    return st.dictionaries(st.sampled_from(fields), junk, max_size=len(fields))


def test_fuzz_household_registration(app, db, world, geo):
    client = world["client"]
    serial = iter(range(100_000))
    fields = [
        "origin_id",
        "destination_id",
        "settlement_mode",
        "site_id",
        "moved_on",
        "members-0-name",
        "members-0-id_number",
        "members-0-relation",
        "members-1-name",
        "members-1-id_number",
        "members-1-relation",
        "phone",
        "address",
    ]

    @FUZZ
    @given(
        csrf=st.sampled_from(["valid", "valid", "valid", "missing", "forged"]),
        second_member=st.booleans(),
        changes=mutations(fields),
        extra=st.dictionaries(junk, junk, max_size=2),
    )
    def run(csrf, second_member, changes, extra):  # type: ignore[no-untyped-def]
        n = next(serial)
        data = {
            **extra,
            "csrf_token": _token(world, csrf),
            "origin_id": str(geo["411221205201"].id),
            "destination_id": str(geo["411221100201"].id),
            "settlement_mode": "centralized",
            "site_id": str(geo.site.id),
            "moved_on": "2026-01-05",
            "lives_at_destination": "y",
            "members-0-name": "张三",
            "members-0-id_number": make_id("411221", date(1960, 1, 1) + timedelta(days=n), 1),
            "members-0-relation": "户主",
        }
        for i in range(6):  # six member rows, as the page posts them
            data.setdefault(f"members-{i}-relation", "户主")
            data[f"members-{i}-party_status"] = "none"
            data[f"members-{i}-pension_status"] = "contributing"
            data[f"members-{i}-medical_insurance"] = "resident"
            data[f"members-{i}-assistance"] = "none"
        if second_member:
            data["members-1-name"] = "李四"
            data["members-1-id_number"] = make_id(
                "411221", date(1960, 1, 1) + timedelta(days=n), 2, "F"
            )
            data["members-1-relation"] = "配偶"
        data.update(changes)
        before = snapshot(db)
        resp = client.post("/households/new", data=data)
        check(db, before, resp, resp.status_code == 302, "household registration")

    run()
    report_fuzz()


def test_fuzz_action_form(app, db, world, make_household):
    client, staff = world["client"], world["staff"]
    cases = []
    for _ in range(3):
        hh = make_household(members=1)
        cases.append(
            open_intake(
                household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW
            ).cases[0]
        )
    db.session.commit()
    targets = [(c.id, c.version) for c in cases + [world["case"]]]
    fields = ["version", "option", "building", "unit", "door", "note", "residence_permit"]

    @FUZZ
    @given(
        csrf=st.sampled_from(["valid", "valid", "valid", "missing", "forged"]),
        target=st.sampled_from(targets),
        trigger=st.sampled_from(["submit", "submit", "submit", "decline", "approve", "x"]),
        changes=mutations(fields),
    )
    def run(csrf, target, trigger, changes):  # type: ignore[no-untyped-def]
        case_id, version = target
        data = {
            "csrf_token": _token(world, csrf),
            "version": str(version),
            "option": "site_address",
            "building": "3",
            "unit": "2",
            "door": "501",
            "residence_permit": "y",
            "note": "本人自愿保留原籍户口",
            **changes,
        }
        before = snapshot(db)
        resp = client.post(f"/cases/{case_id}/act/{trigger}", data=data)
        # done: 303 to the case page saying what happened (a refusal also lands there)
        done = resp.status_code == 303 and 'id="acted"' in client.get(
            resp.headers["Location"]
        ).get_data(as_text=True)
        check(db, before, resp, done, "action form")

    run()
    report_fuzz()


def test_fuzz_public_lookup(app, db, world):
    anonymous = app.test_client()
    token = csrf_from(anonymous.get("/query/").get_data(as_text=True))
    receipt = world["intake"].receipt_no
    tail = world["hh"].members[0].id_number[-4:]

    @FUZZ
    @given(
        receipt_no=st.one_of(st.just(receipt), junk),
        id_tail=st.one_of(st.just(tail), junk),
        csrf=st.sampled_from(["valid", "missing", "forged"]),
    )
    def run(receipt_no, id_tail, csrf):  # type: ignore[no-untyped-def]
        limiter.reset()
        before = snapshot(db)
        data = {
            "csrf_token": {"valid": token, "missing": "", "forged": "x" * 40}[csrf],
            "receipt_no": receipt_no,
            "id_tail": id_tail,
        }
        resp = anonymous.post("/query/", data=data)
        check(db, before, resp, False, "public lookup")  # a lookup never writes
        html = resp.get_data(as_text=True)
        for p in world["hh"].members:
            assert p.id_number not in html and p.name not in html

    run()
    report_fuzz()


def test_fuzz_document_upload(app, db, world):
    client, case = world["client"], world["case"]
    folder = Path(app.config["UPLOAD_FOLDER"])
    contents = st.one_of(
        st.binary(max_size=64),
        st.sampled_from(
            [
                b"%PDF-1.4\n%test\n",
                b"\x89PNG\r\n\x1a\n" + b"0" * 20,
                b"\xff\xd8\xff\xe0" + b"0" * 20,
                b"MZ\x90\x00",
                b"<html><script>",
                b"",
            ]
        ),
    )

    @FUZZ
    @given(
        csrf=st.sampled_from(["valid", "valid", "missing", "forged"]),
        content=contents,
        filename=st.one_of(st.sampled_from(["户口本.pdf", "../../x.pdf", "a.exe", ""]), junk),
        description=junk,
        seen=st.one_of(st.just(str(case.version)), junk),
    )
    def run(csrf, content, filename, description, seen):  # type: ignore[no-untyped-def]
        before = snapshot(db, folder)
        data = {
            "csrf_token": _token(world, csrf),
            "version": seen,
            "description": description,
            "file": (io.BytesIO(content), filename),
        }
        resp = client.post(
            f"/cases/{case.id}/documents", data=data, content_type="multipart/form-data"
        )
        after = snapshot(db, folder)
        accepted = len(after["document"]) == len(before["document"]) + 1
        if accepted:
            assert len(after["event"]) == len(before["event"]) + 1
            assert len(after["files"]) == len(before["files"]) + 1
        check(db, before, resp, accepted, "document upload", folder)

    run()
    report_fuzz()
