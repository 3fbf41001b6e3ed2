"""Accounts in bulk from one sheet: every fault at its row, all or nothing, initial
passwords shown once, changed at first login; the page and the CLI share the rules."""

from __future__ import annotations

import html as html_lib
import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.conftest import csrf_from, login, post_form
from transfers.admin.bulk_accounts import role_named
from transfers.auth.models import User
from transfers.jurisdictions.enabling import enable_county
from workflows.roles import Role

HEADER = ["角色", "管辖区域", "姓名", "手机号"]
GOOD = [
    ["村委会", "杜关村", "王村官", "13800000001"],
    ["派出所", "杜关镇", "李民警", 13800000002],  # a number cell, as Excel keeps it
    ["民政局", "卢氏县", "赵局长", "13800000003"],
    ["镇政府", "411224105", "孙镇长", "138 0000 0004"],
    ["村（社区）工作人员", "官坡镇官坡村", "钱社工", "13800000005"],
]


def xlsx(rows: list[list[object]], title: str | None = "卢氏县移民安置账号申请表") -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def users(db) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.fixture()
def county_admin(db, geo, make_user):  # type: ignore[no-untyped-def]
    enable_county("卢氏县")
    db.session.commit()
    return make_user(Role.ADMIN, "4112")


def upload(client, data: bytes, name: str = "accounts.xlsx"):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/admin/accounts/bulk").get_data(as_text=True))
    return client.post(
        "/admin/accounts/bulk",
        data={"csrf_token": token, "sheet": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_roles_as_offices_write_them():
    assert role_named("村委会") is Role.VILLAGE_STAFF
    assert role_named("村(社区)工作人员") is Role.VILLAGE_STAFF
    assert role_named("医疗保障中心") is Role.MEDICAL_INSURANCE_AGENCY
    assert role_named("乡镇人民政府/街道办事处") is Role.TOWNSHIP_GOVERNMENT
    assert role_named("police_station") is Role.POLICE_STATION
    assert role_named("村长") is None


def test_sheet_to_printed_passwords_to_first_login(app, client, db, county_admin):
    login(client, county_admin)
    before = users(db)
    page = upload(client, xlsx(GOOD))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "全部无误" in html
    assert "河南省三门峡市卢氏县杜关镇杜关村" in html
    assert users(db) == before  # the preview creates nothing
    rows = re.search(r'name="rows" value="([^"]+)"', html).group(1)
    resp = client.post(
        "/admin/accounts/bulk/confirm",
        data={"csrf_token": csrf_from(html), "rows": html_lib.unescape(rows)},
    )
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    passwords = re.findall(r"data-password>([^<]+)<", text)
    assert len(passwords) == 5 and len(set(passwords)) == 5
    assert all(len(p) == 10 for p in passwords) and not set("".join(passwords)) & set("0O1lI")
    assert users(db) == before + 5
    police = db.session.scalar(select(User).where(User.username == "13800000002"))
    assert police.must_change_password and police.display_name == "李民警"
    assert [(g.role, g.jurisdiction.code) for g in police.grants] == [
        ("police_station", "411224101")
    ]
    assert db.session.scalar(select(User).where(User.username == "13800000004")) is not None
    # first login: every page leads to the change until it is done
    resident = app.test_client()
    resp = post_form(resident, "/login", {"username": "13800000002", "password": passwords[1]})
    assert resp.status_code == 302
    resp = resident.get("/tasks/")
    assert resp.status_code == 302 and "/password" in resp.headers["Location"]
    resp = post_form(
        resident,
        "/password",
        {"current": passwords[1], "new": passwords[1], "repeat": passwords[1]},
    )
    assert resp.status_code == 422 and "不能与初始密码相同" in resp.get_data(as_text=True)
    resp = post_form(
        resident,
        "/password",
        {"current": passwords[1], "new": "my-own-pass-9", "repeat": "my-own-pass-9"},
    )
    assert resp.status_code == 302
    db.session.refresh(police)
    assert not police.must_change_password and police.check_password("my-own-pass-9")
    assert resident.get("/tasks/").status_code == 200


def test_every_fault_at_its_row_and_nothing_created(client, db, county_admin, make_user):
    make_user(Role.VILLAGE_STAFF, "411221100201", username="13900000009")
    login(client, county_admin)
    before = users(db)
    rows = [
        *GOOD[:2],
        ["村长", "杜关村", "甲", "13900000001"],  # row 5: unknown role
        ["村委会", "河南村", "乙", "13900000002"],  # row 6: two villages of that name
        ["派出所", "杜关村", "丙", "13900000003"],  # row 7: a township office at a village
        ["民政局", "卢氏县", "丁", "1390000"],  # row 8: not a mobile number
        ["民政局", "卢氏县", "戊", "13800000001"],  # row 9: the phone of row 3
        ["民政局", "卢氏县", "己", "13900000009"],  # row 10: already an account
        ["村委会", "历山村", "庚", "13900000004"],  # row 11: another province
        ["村委会", "杜关村", "", "13900000005"],  # row 12: no name
    ]
    page = upload(client, xlsx(rows))
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "其中8行有问题" in html
    assert 'name="rows"' not in html  # no confirm while a fault remains
    expect = {
        5: "角色“村长”无法识别",
        6: "“河南村”对应多个区划",
        7: "派出所应授权在乡镇/街道一级，所选为村/社区",
        8: "手机号应为11位数字",
        9: "手机号与第3行重复",
        10: "手机号13900000009已有账号",
        11: "在本人管理的辖区内找不到“历山村”",
        12: "请填写姓名",
    }
    for number, message in expect.items():
        row = re.search(rf'data-row="{number}">(.*?)</tr>', html, re.S).group(1)
        assert message in row, (number, row)
    assert users(db) == before


def test_unreadable_sheets_say_why(client, county_admin):
    login(client, county_admin)
    resp = upload(client, b"x", "accounts.xls")
    assert resp.status_code == 422 and "另存为" in resp.get_data(as_text=True)
    resp = upload(client, "姓名,电话\n甲,1\n".encode(), "accounts.csv")
    assert "未找到表头行" in resp.get_data(as_text=True) or "缺少列" in resp.get_data(as_text=True)
    resp = upload(client, "角色,姓名,手机号\n村委会,甲,13800000001\n".encode(), "accounts.csv")
    assert "缺少列：管辖区域" in resp.get_data(as_text=True)


def test_cli_shares_the_rules(app, db, county_admin, tmp_path):
    before = users(db)
    bad = tmp_path / "bad.csv"
    bad.write_text("角色,管辖区域,姓名,手机号\n村委会,杜关村,甲,123\n", encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["accounts", "import-sheet", str(bad)])
    assert result.exit_code == 2 and "row 2: 手机号应为11位数字" in result.output
    assert users(db) == before
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(GOOD))
    out = tmp_path / "passwords.csv"
    result = runner.invoke(args=["accounts", "import-sheet", str(good), "--passwords", str(out)])
    assert result.exit_code == 0 and "Created 5 accounts" in result.output
    assert users(db) == before + 5
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("用户名,姓名") and len(lines) == 6
