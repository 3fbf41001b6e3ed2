"""安置点 from a sheet: upload, preview with every fault at its row, confirm, all or
nothing; the admin page and `flask places import-sites` share the rules."""

from __future__ import annotations

import html as html_lib
import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.conftest import csrf_from, login
from transfers.jurisdictions.enabling import enable_county
from transfers.jurisdictions.models import Site
from workflows.roles import Role

HEADER = ["安置点名称", "所在村（社区）", "安置方式", "地址"]
GOOD = [
    ["官坡镇易地搬迁安置小区", "官坡村", "集中安置", "官坡镇官坡村移民街1号"],
    ["兰草村分散安置点", "411224105201", "分散", "官坡镇兰草村"],
]


def xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["卢氏县安置点一览表"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sites(db) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(Site))


@pytest.fixture()
def county_admin(db, geo, make_user):  # type: ignore[no-untyped-def]
    enable_county("卢氏县")
    db.session.commit()
    return make_user(Role.ADMIN, "4112")


def upload(client, data: bytes, name: str = "sites.xlsx"):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/admin/sites/import").get_data(as_text=True))
    return client.post(
        "/admin/sites/import",
        data={"csrf_token": token, "sheet": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_upload_preview_confirm(client, db, county_admin):
    login(client, county_admin)
    before = sites(db)
    page = upload(client, xlsx(GOOD))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "全部无误" in html and sites(db) == before
    rows = html_lib.unescape(re.search(r'name="rows" value="([^"]+)"', html).group(1))
    resp = client.post(
        "/admin/sites/import/confirm", data={"csrf_token": csrf_from(html), "rows": rows}
    )
    assert resp.status_code == 302
    assert "已新增2个安置点" in client.get(resp.headers["Location"]).get_data(as_text=True)
    made = db.session.scalars(select(Site).order_by(Site.id)).all()[-2:]
    assert [(s.name, s.jurisdiction.code, s.kind) for s in made] == [
        ("官坡镇易地搬迁安置小区", "411224105200", "centralized"),
        ("兰草村分散安置点", "411224105201", "scattered"),
    ]
    again = upload(client, xlsx(GOOD)).get_data(as_text=True)  # the same sheet twice
    assert "官坡村已有安置点“官坡镇易地搬迁安置小区”" in again and 'name="rows"' not in again


def test_no_file_or_unreadable_carried_rows_create_nothing(client, db, county_admin):
    login(client, county_admin)
    before = sites(db)
    token = csrf_from(client.get("/admin/sites/import").get_data(as_text=True))
    no_file = client.post("/admin/sites/import", data={"csrf_token": token})
    assert no_file.status_code == 422
    assert "请选择要上传的表格文件" in no_file.get_data(as_text=True)
    for rows in ("not json", "[[1]]", "[]"):
        resp = client.post("/admin/sites/import/confirm", data={"csrf_token": token, "rows": rows})
        assert resp.status_code == 422 and "页面已过期" in resp.get_data(as_text=True), rows
    assert sites(db) == before


def test_every_fault_at_its_row_and_nothing_created(client, db, county_admin):
    login(client, county_admin)
    before = sites(db)
    rows = [
        GOOD[0],
        ["", "官坡村", "集中安置", "某地"],  # row 4: no name
        ["甲安置点", "河南村", "集中安置", "某地"],  # row 5: two villages of that name
        ["乙安置点", "官坡镇", "集中安置", "某地"],  # row 6: a township, not a village
        ["丙安置点", "兰草村", "混合", "某地"],  # row 7: unknown kind
        ["丁安置点", "兰草村", "集中安置", ""],  # row 8: no address
        ["官坡镇易地搬迁安置小区", "官坡村", "集中安置", "某地"],  # row 9: same as row 3
        ["戊安置点", "历山村", "集中安置", "某地"],  # row 10: another province
    ]
    page = upload(client, xlsx(rows))
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "其中7行有问题" in html
    expect = {
        4: "请填写安置点名称",
        5: "“河南村”对应多个区划",
        6: "安置点须设在村/社区一级",
        7: "安置方式应为“集中安置”或“分散安置”",
        8: "请填写地址",
        9: "与第3行是同一安置点",
        10: "找不到“历山村”",
    }
    for number, message in expect.items():
        row = re.search(rf'data-row="{number}">(.*?)</tr>', html, re.S).group(1)
        assert message in row, (number, row)
    assert sites(db) == before


def test_cli_import_sites(app, db, county_admin, tmp_path):
    before = sites(db)
    bad = tmp_path / "bad.csv"
    bad.write_text("安置点名称,所在村,安置方式,地址\n甲,官坡镇,集中,某地\n", encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["places", "import-sites", str(bad)])
    assert result.exit_code == 2 and "row 2: 安置点须设在村/社区一级" in result.output
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(GOOD))
    result = runner.invoke(args=["places", "import-sites", str(good)])
    assert result.exit_code == 0 and "Created 2 sites" in result.output
    assert sites(db) == before + 2
