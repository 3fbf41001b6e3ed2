"""Interface language: Chinese by default, English on request, catalogs complete."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from tests.conftest import login, post_form
from transfers.i18n_extract import workflow_labels
from workflows.roles import Role

PO = Path(__file__).resolve().parent.parent / "transfers/translations/en/LC_MESSAGES/messages.po"


def test_chinese_is_the_default(client, make_user):
    login(client, make_user(Role.VILLAGE_STAFF, "411221100201"))
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and ">首页<" in html and "English" in html


def test_switching_to_english_and_back(client, make_user):
    login(client, make_user(Role.VILLAGE_STAFF, "411221100201"))
    resp = post_form(client, "/", {"lang": "en", "next": "/households/"}, post_url="/language")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/households/")
    assert "lang=en" in resp.headers.get("Set-Cookie", "")
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and ">Home<" in html and ">首页<" not in html
    post_form(client, "/", {"lang": "zh_CN", "next": "/"}, post_url="/language")
    assert ">首页<" in client.get("/").get_data(as_text=True)


def test_unknown_language_and_foreign_next_change_nothing(client, make_user):
    login(client, make_user(Role.VILLAGE_STAFF, "411221100201"))
    resp = post_form(client, "/", {"lang": "xx", "next": "//evil.example/"}, post_url="/language")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/")
    assert "lang=" not in resp.headers.get("Set-Cookie", "")
    assert ">首页<" in client.get("/").get_data(as_text=True)


def test_public_pages_switch_too(client):
    post_form(client, "/query/", {"lang": "en", "next": "/query/"}, post_url="/language")
    assert ">Staff login<" in client.get("/query/").get_data(as_text=True)


def test_dates_follow_the_language(app):
    from datetime import date

    from transfers.web import cn_date

    with app.test_request_context("/"):
        assert cn_date(date(2026, 11, 2)) == "2026年11月2日"
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert cn_date(date(2026, 11, 2)) == "Nov 2, 2026"


def test_workflow_labels_are_collected_for_the_catalog():
    labels = workflow_labels()
    assert "派出所" in labels
    assert len(labels) == len(set(labels)) and len(labels) > 100


def test_catalog_compiles_without_errors():
    with PO.open("rb") as f:
        catalog = read_po(f, locale="en")
    assert not list(catalog.check())


def test_every_marked_string_has_an_english_translation(tmp_path):
    """The catalog is current (make translations) and complete: no untranslated text."""
    import subprocess
    import sys

    root = PO.parents[4]
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "N_", "--no-location", "--omit-header", "-o", str(pot), "."],
        cwd=root, check=True,
    )  # fmt: skip
    with pot.open("rb") as f:
        wanted = {
            (m.id if isinstance(m.id, str) else m.id[0], m.context) for m in read_po(f) if m.id
        }
    with PO.open("rb") as f:
        catalog = read_po(f, locale="en")
    have = {
        (m.id if isinstance(m.id, str) else m.id[0], m.context): m.string for m in catalog if m.id
    }
    missing = sorted(k for k in wanted if not have.get(k))
    assert not missing, f"run `make translations` and translate: {missing[:20]}"
    assert not [m.id for m in catalog if m.id and m.fuzzy]


def test_the_rest_api_stays_chinese_whatever_the_cookie(app, client):
    from transfers.i18n import select_locale

    resp = client.get("/api/v1/me", headers={"Cookie": "lang=en"})
    assert resp.status_code == 401
    assert resp.json["title_zh"] == "未提供有效的访问令牌"
    with app.test_request_context("/api/v1/me", headers={"Cookie": "lang=en"}):
        assert select_locale() == "zh_CN"
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert select_locale() == "en"
