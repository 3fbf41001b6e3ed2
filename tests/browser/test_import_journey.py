"""A village clerk imports a ledger as offices keep it, in a real browser: the check and
the import run as background jobs whose progress static/imports.js polls, the preview
names the sheet read and every fault at its row, and the invalid rows download."""

from __future__ import annotations

from tests.browser.conftest import shot
from tests.browser.test_hukou_journey import login
from tests.imports.county import enable_county, faulty_rows, good_households, ledger_workbook
from workflows.roles import Role


def test_ledger_import_with_background_jobs(  # type: ignore[no-untyped-def]
    app, live_server, page, make_user, geo, db, tmp_path
):
    base = live_server
    enable_county(geo)
    make_user(Role.VILLAGE_STAFF, "411224100201", username="dongming_staff")
    ledger = tmp_path / "东明社区台账.xlsx"
    ledger.write_bytes(ledger_workbook(good_households() + faulty_rows()[:3]))
    failed: list[str] = []  # the page's own requests (scripts, the progress polls) succeed
    page.on(
        "response",
        lambda r: failed.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    app.config["IMPORT_JOBS"] = "thread"
    try:
        login(page, base, "dongming_staff")
        page.get_by_role("link", name="台账导入").click()
        page.get_by_label("台账文件（.xlsx、.xls 或 .csv）").set_input_files(str(ledger))
        page.get_by_role("button", name="上传并校验").click()
        page.wait_for_selector("#sheet-read", timeout=60_000)
        content = page.content()
        assert "“搬迁户台账”（表头在第4行）" in content
        assert "第11行" in content and "身份证号码校验位不正确" in content
        assert "第12行" in content and "与身份证号码中的出生日期1971-03-03不符" in content
        shot(page, "11-import-preview")

        page.get_by_role("button", name="导入有效数据（4 户）").click()
        page.wait_for_selector("text=导入完成：新建 4 户、6 人", timeout=60_000)
        shot(page, "12-import-done")
        with page.expect_download() as info:
            page.get_by_role("link", name="下载有误的行（Excel，含错误说明）").click()
        assert info.value.suggested_filename.endswith("错误行.xlsx")
    finally:
        app.config["IMPORT_JOBS"] = "inline"
    assert failed == []
