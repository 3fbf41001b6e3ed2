"""Lists to Excel/CSV: filtered as on screen, the user's jurisdiction only, masked IDs."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.conftest import NOW, login
from transfers.cases.services import open_intake
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
    assert rows[0][:3] == ("序号", "户主", "身份证号码")
    assert len(rows) == 2  # the other village's household is not in this user's area
    number = mine.members[0].id_number
    assert rows[1][2] == number[:6] + "********" + number[-4:]
    assert number not in str(rows)
    assert theirs.members[0].id_number[-4:] not in str(rows[1][2])
    full = sheet(client.get("/exports/households.xlsx?ids=full"))
    assert full[1][2] == number  # on purpose, by the village staff who registered it
    assert len(sheet(client.get("/exports/households.xlsx?q=nobody"))) == 1

    tasks = sheet(client.get("/exports/tasks.xlsx?procedure=hukou"))
    assert tasks[0][0] == "序号" and len(tasks) == 2 and tasks[1][1] == "户口迁移"
    assert tasks[1][3] == "王*国"
    assert len(sheet(client.get("/exports/tasks.xlsx?state=police_review"))) == 1

    cases = sheet(client.get("/exports/cases.xlsx"))
    assert len(cases) == 2 and cases[1][1].startswith("411221-")

    csv_resp = client.get("/exports/households.csv")
    text = csv_resp.data.decode("utf-8-sig")
    assert csv_resp.mimetype == "text/csv" and text.splitlines()[0].startswith("序号,户主")
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
