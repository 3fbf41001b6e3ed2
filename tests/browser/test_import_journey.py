"""Village staff import a ledger with errors in a real browser: preview, the progress bar
run by static/imports.js, and the download of the invalid rows."""

from __future__ import annotations

from tests.browser.conftest import shot
from tests.browser.test_hukou_journey import login
from tests.test_imports import ledger_xlsx
from workflows.roles import Role


def test_ledger_import_with_preview_and_progress(live_server, page, make_user, geo, db, tmp_path):
    base = live_server
    make_user(Role.VILLAGE_STAFF, "411221100201", username="xingfu_staff")
    ledger = tmp_path / "幸福社区台账.xlsx"
    ledger.write_bytes(ledger_xlsx())
    failed: list[str] = []  # the page's own requests (scripts, the import steps) succeed
    page.on(
        "response",
        lambda r: failed.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )

    login(page, base, "xingfu_staff")
    page.get_by_role("link", name="台账导入").click()
    page.get_by_label("台账文件（.xlsx 或 .csv）").set_input_files(str(ledger))
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_selector("text=导入预览")
    assert "第7行" in page.content() and "身份证号码校验位不正确" in page.content()
    shot(page, "11-import-preview")

    page.get_by_role("button", name="导入有效数据（2 户）").click()
    page.wait_for_selector("text=导入完成：新建 2 户、4 人")
    shot(page, "12-import-done")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载有误的行（Excel，含错误说明）").click()
    assert info.value.suggested_filename.endswith("错误行.xlsx")
    assert failed == []
