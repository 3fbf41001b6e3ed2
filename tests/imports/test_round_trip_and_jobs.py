"""The 搬迁户 export re-imports with no change; checks and imports run as background
jobs with progress; staged rows go when a batch is imported or abandoned and after 7
days; the command line reads any sheet, exits non-zero on invalid rows, grants imports."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.conftest import csrf_from, login
from tests.imports.county import elsewhere_rows, enable_county, good_households, ledger_workbook
from tests.imports.test_real_ledgers import run, upload
from transfers.db import utcnow
from transfers.households.models import Household, HouseholdEvent, Person
from transfers.imports import jobs
from transfers.imports.ledger import LedgerFormatError, open_sheet
from transfers.imports.models import ImportBatch, ImportGrant, ImportRow
from transfers.privacy.models import AccessLog
from workflows.roles import Role


@pytest.fixture()
def county(geo, db):  # type: ignore[no-untyped-def]
    return enable_county(geo)


def _snapshot(db) -> list[tuple]:  # type: ignore[no-untyped-def]
    people = db.session.scalars(select(Person).order_by(Person.id)).all()
    return [
        (
            p.id,
            p.household_id,
            p.name,
            p.id_number,
            p.relation,
            p.party_status,
            p.collective_member,
            p.pension_status,
            p.medical_insurance,
            p.assistance,
            p.registered_poor,
            dict(p.facts),
            p.household.site_id,
            p.household.phone,
            p.household.moved_on,
            p.household.origin_jurisdiction_id,
        )
        for p in people
    ]


def test_the_households_export_reimports_with_no_change(client, county, make_user, db):  # type: ignore[no-untyped-def]
    clerk = make_user(Role.VILLAGE_STAFF, "411224100201")
    login(client, clerk)
    run(client, upload(client, ledger_workbook(good_households())))
    before = _snapshot(db)
    events = db.session.scalar(select(func.count()).select_from(HouseholdEvent))
    assert len(before) == 6

    masked = client.get("/exports/households.xlsx").data
    assert all(p[3] not in str(load_workbook(io.BytesIO(masked)).active.values) for p in before)
    url = "/exports/households.xlsx?ids=full"
    form = client.get(url).get_data(as_text=True)
    export = client.post(url, data={"csrf_token": csrf_from(form), "purpose": "correction"})
    assert export.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AccessLog)) == 1  # logged

    preview = upload(client, export.data, "搬迁户.xlsx")
    html = client.get(preview).get_data(as_text=True)
    batch = db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()
    assert batch.ignored_columns == [] and batch.invalid_rows == 0, html[:3000]
    assert batch.existing_rows == 6 and batch.total_households == 0
    assert "导入有效数据" not in html
    db.session.expire_all()
    assert _snapshot(db) == before
    assert db.session.scalar(select(func.count()).select_from(HouseholdEvent)) == events


def test_check_and_import_run_in_a_worker_thread_with_progress(app, client, county, make_user, db):  # type: ignore[no-untyped-def]
    clerk = make_user(Role.VILLAGE_STAFF, "411224100201")
    login(client, clerk)
    app.config["IMPORT_JOBS"] = "thread"
    try:
        preview = upload(client, ledger_workbook(good_households()))
        batch_id = int(preview.rsplit("/", 1)[1])
        jobs.wait(batch_id, 60)
        progress = client.get(preview + "/progress").json
        assert progress["status"] == "previewed" and progress["checked"] == 6
        html = client.get(preview).get_data(as_text=True)
        client.post(f"/imports/{batch_id}/run", data={"csrf_token": csrf_from(html)})
        jobs.wait(batch_id, 60)
        progress = client.get(preview + "/progress").json
        assert progress["status"] == "done" and progress["percent"] == 100
        assert progress["processed"] == progress["total"] == 4
    finally:
        app.config["IMPORT_JOBS"] = "inline"
    assert db.session.scalar(select(func.count()).select_from(Person)) == 6
    with app.test_request_context():
        stored = jobs.upload_path(db.session.get(ImportBatch, batch_id))
    assert not stored.exists()  # the file went with the rows


def test_a_running_page_shows_a_progress_bar(client, county, make_user, db):  # type: ignore[no-untyped-def]
    clerk = make_user(Role.VILLAGE_STAFF, "411224100201")
    batch = ImportBatch(user_id=clerk.id, filename="a.xlsx", status="checking", total_rows=10)
    batch.checked_rows = 4
    db.session.add(batch)
    db.session.commit()
    login(client, clerk)
    html = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert "data-import-job" in html and 'aria-valuenow="40"' in html
    assert client.get(f"/imports/{batch.id}/progress").json["running"] is True
    # another clerk of the same community: not their batch
    other = make_user(Role.VILLAGE_STAFF, "411224100201")
    client.post("/logout", data={"csrf_token": csrf_from(html)})
    login(client, other)
    assert client.get(f"/imports/{batch.id}").status_code == 403
    assert client.get(f"/imports/{batch.id}/progress").status_code == 403


def test_a_job_that_lost_its_worker_is_failed_with_a_message(client, county, make_user, db):  # type: ignore[no-untyped-def]
    clerk = make_user(Role.VILLAGE_STAFF, "411224100201")
    now = utcnow()
    quiet, busy, waiting = (
        ImportBatch(user_id=clerk.id, filename=f"{status}.xlsx", status=status, progress_at=at)
        for status, at in (
            ("importing", now - timedelta(minutes=16)),  # its worker died a while ago
            ("checking", now - timedelta(minutes=14)),  # slow, still within the limit
            ("previewed", now - timedelta(hours=2)),  # not running: waits for the clerk
        )
    )
    db.session.add_all([quiet, busy, waiting])
    db.session.commit()
    assert jobs.fail_stalled(now) == 1
    db.session.commit()
    assert (quiet.status, busy.status, waiting.status) == ("failed", "checking", "previewed")
    login(client, clerk)
    assert client.get(f"/imports/{quiet.id}/progress").json["running"] is False
    assert "导入任务已中断（超过15分钟没有进展）" in client.get(f"/imports/{quiet.id}").get_data(
        as_text=True
    )


def test_staged_rows_go_when_abandoned_and_after_seven_days(client, county, make_user, db):  # type: ignore[no-untyped-def]
    clerk = make_user(Role.VILLAGE_STAFF, "411224100201")
    login(client, clerk)
    first = upload(client, ledger_workbook(good_households()))
    second = upload(client, ledger_workbook(good_households()))
    rows = select(func.count()).select_from(ImportRow)
    assert db.session.scalar(rows) == 12
    html = client.get(first).get_data(as_text=True)
    first_id = int(first.rsplit("/", 1)[1])
    client.post(f"/imports/{first_id}/abandon", data={"csrf_token": csrf_from(html)})
    assert db.session.scalar(rows) == 6
    assert db.session.get(ImportBatch, first_id).status == "abandoned"
    # the scheduler's housekeeping: nothing younger than 7 days, the rest goes
    second_id = int(second.rsplit("/", 1)[1])
    created = db.session.get(ImportBatch, second_id).created_at
    assert db.session.get(ImportBatch, second_id).progress_at is not None  # the check reported
    assert jobs.housekeeping(created + timedelta(days=6)) == 0
    assert jobs.housekeeping(created + timedelta(days=7, seconds=1)) == 1
    db.session.commit()
    assert db.session.scalar(rows) == 0


def test_files_that_cannot_be_read_say_why(client, county, make_user, db, tmp_path):  # type: ignore[no-untyped-def]
    clerk = make_user(Role.VILLAGE_STAFF, "411224100201")
    login(client, clerk)
    page = client.get("/imports/")
    resp = client.post(
        "/imports/",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "file": (io.BytesIO(b"not a workbook"), "台账.xls"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422 and "另存为 .xlsx" in resp.get_data(as_text=True)
    # a header on row 12, under eleven title lines, is found
    wb = Workbook()
    for i in range(11):
        wb.active.append([f"说明第{i + 1}行"])
    wb.active.append(["户编号", "姓名", "身份证号", "与户主关系", "迁出地", "迁入地", "安置方式"])
    path = tmp_path / "a.xlsx"
    wb.save(path)
    assert open_sheet(path, "a.xlsx").header_row == 12
    wb = Workbook()
    for i in range(21):
        wb.active.append([f"说明第{i + 1}行"])
    wb.active.append(["姓名", "身份证号"])
    wb.save(path)
    with pytest.raises(LedgerFormatError, match="前20行"):
        open_sheet(path, "a.xlsx")


def test_cli_sheet_dry_run_and_grants(app, county, make_user, db, tmp_path):  # type: ignore[no-untyped-def]
    office = make_user(Role.CIVIL_AFFAIRS_BUREAU, "411224", username="lushi_minzheng")
    make_user(Role.VILLAGE_STAFF, "411224100201", username="dongming")
    path = tmp_path / "台账.xlsx"
    bad = good_households()
    bad[0].born = "1958-04-13"  # contradicts the ID
    path.write_bytes(ledger_workbook(bad + elsewhere_rows()))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import-ledger", str(path), "--dry-run", "--as", "dongming"])
    assert dry.exit_code == 2, dry.output
    assert "sheet read: 搬迁户台账" in dry.output and "columns not understood: 序号" in dry.output
    assert "2行的迁入地不在您可导入的范围内" in dry.output
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0
    wrong = runner.invoke(args=["import-ledger", str(path), "--sheet", "封面"])
    assert wrong.exit_code != 0 and "未找到表头行" in wrong.output

    refused = runner.invoke(args=["grant-import", "dongming", "411224"])
    assert refused.exit_code != 0 and "没有岗位" in refused.output
    granted = runner.invoke(args=["grant-import", "lushi_minzheng", "411224"])
    assert granted.exit_code == 0, granted.output
    assert db.session.scalar(select(ImportGrant.user_id)) == office.id
    path.write_bytes(ledger_workbook(good_households() + elsewhere_rows()))
    done = runner.invoke(args=["import-ledger", str(path), "--as", "lushi_minzheng"])
    assert done.exit_code == 0, done.output
    assert "created 5 households, 8 persons" in done.output
    assert db.session.scalar(select(func.count()).select_from(Household)) == 5
    assert (
        runner.invoke(args=["grant-import", "lushi_minzheng", "411224", "--revoke"]).exit_code == 0
    )
    assert db.session.scalar(select(func.count()).select_from(ImportGrant)) == 0


def test_a_large_workbooks_header_is_found_by_the_job(client, county, make_user, db, monkeypatch):  # type: ignore[no-untyped-def]
    from transfers.imports import checking

    monkeypatch.setattr(checking, "QUICK_CHECK_BYTES", 0)  # every workbook counts as large
    clerk = make_user(Role.VILLAGE_STAFF, "411224100201")
    login(client, clerk)
    good = upload(client, ledger_workbook(good_households()))
    assert "“搬迁户台账”（表头在第4行）" in client.get(good).get_data(as_text=True)
    wb = Workbook()
    wb.active.append(["没有表头的表"])
    buf = io.BytesIO()
    wb.save(buf)
    bad = upload(client, buf.getvalue())
    html = client.get(bad).get_data(as_text=True)
    assert "无法读取该台账：未找到表头行" in html
    failed = db.session.get(ImportBatch, int(bad.rsplit("/", 1)[1]))
    assert failed.status == "failed"
    with client.application.test_request_context():
        assert not jobs.upload_path(failed).exists()  # the file went with the failure
    assert (
        db.session.scalar(
            select(func.count()).select_from(ImportRow).where(ImportRow.batch_id == failed.id)
        )
        == 0
    )


def test_another_sheet_is_read_on_request(client, county, make_user, db):  # type: ignore[no-untyped-def]
    clerk = make_user(Role.VILLAGE_STAFF, "411224100201")
    login(client, clerk)
    wb = load_workbook(io.BytesIO(ledger_workbook(good_households()[:2], cover=False)))
    second = wb.copy_worksheet(wb.active)
    second.title = "第二批"
    second.delete_rows(6)  # 李桂兰 left out of the second sheet
    buf = io.BytesIO()
    wb.save(buf)
    preview = upload(client, buf.getvalue())
    html = client.get(preview).get_data(as_text=True)
    assert "“搬迁户台账”" in html and "第二批" in html  # the sheet read, the other offered
    batch_id = int(preview.rsplit("/", 1)[1])
    bogus = client.post(
        f"/imports/{batch_id}/sheet", data={"csrf_token": csrf_from(html), "sheet": "没有"}
    )
    assert bogus.status_code == 303
    assert "请选择文件中的工作表" in client.get(preview).get_data(as_text=True)
    client.post(
        f"/imports/{batch_id}/sheet", data={"csrf_token": csrf_from(html), "sheet": "第二批"}
    )
    batch = db.session.get(ImportBatch, batch_id)
    db.session.refresh(batch)
    assert batch.sheet_name == "第二批" and batch.total_rows == 1
    assert "“第二批”（表头在第4行）" in client.get(preview).get_data(as_text=True)
