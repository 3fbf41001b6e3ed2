"""The onboarding pages (enable a county, sites and accounts from sheets, the first-login
password change) read entirely in English once English is chosen."""

from __future__ import annotations

import io

from openpyxl import Workbook

from tests.conftest import csrf_from, login, post_form
from tests.test_i18n_pages import assert_english, english
from transfers.jurisdictions import divisions
from transfers.jurisdictions.enabling import enable_county
from workflows.roles import Role


def sheet(header: list[str], rows: list[list[str]]) -> bytes:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def without_place_names(html: str) -> str:
    """Place names from the official code book are data, in Chinese in every language."""
    names = [d.name for d in divisions.children(None) + divisions.children("41")]
    names += [d.name for d in divisions.children("4112") + divisions.county_places("411224")]
    names += [divisions.full_name(d) for d in divisions.find_counties("卢氏")]
    for name in sorted(set(names), key=len, reverse=True):
        html = html.replace(name, " ")
    return html


def upload(client, url: str, data: bytes) -> str:  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(url).get_data(as_text=True))
    resp = client.post(
        url,
        data={"csrf_token": token, "sheet": (io.BytesIO(data), "sheet.xlsx")},
        content_type="multipart/form-data",
    )
    return resp.get_data(as_text=True)


def test_onboarding_pages_in_english(client, make_user, db):
    enable_county("卢氏县")
    db.session.commit()
    login(client, make_user(Role.ADMIN, "41"))
    english(client)
    for url in (
        "/admin/places/",
        "/admin/places/?province=41&city=4112",
        "/admin/places/?county=411224",
        "/admin/places/?q=卢氏",
        "/admin/accounts/bulk",
        "/admin/sites/import",
    ):
        assert_english(without_place_names(client.get(url).get_data(as_text=True)), db, url)
    html = upload(
        client,
        "/admin/accounts/bulk",
        sheet(["角色", "管辖区域", "姓名", "手机号"], [["police_station", "411224101", "Li", "1"]]),
    )
    assert "A mobile number has 11 digits" in html
    assert_english(html, db, "accounts preview")
    html = upload(
        client,
        "/admin/sites/import",
        sheet(
            ["安置点名称", "所在村", "安置方式", "地址"], [["A", "411224101", "centralized", "B"]]
        ),
    )
    assert "A site belongs to a village or community" in html
    assert_english(html, db, "sites preview")
    resp = post_form(client, "/admin/accounts/bulk", {}, post_url="/admin/accounts/bulk")
    assert_english(resp.get_data(as_text=True), db, "accounts, no file")
    assert_english(client.get("/password").get_data(as_text=True), db, "password change")
