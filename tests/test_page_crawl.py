"""Every page reachable from each demo login renders, in Chinese and in English.

A crawler follows same-site GET links from the home page for each demo user (bounded
per user) and checks what a clerk would notice: no error page, and a label for every
input (every input labelled, forms usable from the keyboard).
"""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest

from tests.conftest import post_form
from transfers.demo import load_demo
from transfers.demo_county import DEMO_PASSWORD, USERS

PAGES_PER_USER = 20
SKIP_PREFIXES = ("/static/", "/api/", "/exports/", "/logout", "/inbox/mail")
SKIP_SUFFIXES = (".xlsx", ".csv", ".json", "/template")


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.inputs: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self._label_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if a.get("type") in ("hidden", "submit", "button", "reset", "image"):
                return
            a["_tag"] = tag
            a["_wrapped"] = "1" if self._label_depth else ""
            self.inputs.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._label_depth:
            self._label_depth -= 1


def unlabelled(parser: PageParser) -> list[str]:
    bad = []
    for a in parser.inputs:
        if a["_wrapped"] or a.get("aria-label") or a.get("aria-labelledby") or a.get("title"):
            continue
        if a.get("id") and a["id"] in parser.label_for:
            continue
        bad.append(f"<{a['_tag']} name={a.get('name')!r} id={a.get('id')!r}>")
    return bad


def crawl(client, start: str = "/") -> dict[str, tuple[int, PageParser]]:  # type: ignore[no-untyped-def]
    seen: dict[str, tuple[int, PageParser]] = {}
    queue = deque([start])
    while queue and len(seen) < PAGES_PER_USER:
        url = queue.popleft()
        if url in seen:
            continue
        resp = client.get(url)
        parser = PageParser()
        if resp.mimetype == "text/html":
            parser.feed(resp.get_data(as_text=True))
        seen[url] = (resp.status_code, parser)
        for href in parser.links:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/"):
                continue
            if href.startswith(SKIP_PREFIXES) or parts.path.endswith(SKIP_SUFFIXES):
                continue
            if href not in seen:
                queue.append(href)
    return seen


@pytest.fixture()
def demo(db):  # type: ignore[no-untyped-def]
    load_demo(households=24)
    db.session.commit()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_page_of_every_demo_login_renders(client, demo, lang):  # type: ignore[no-untyped-def]
    problems: list[str] = []
    total = 0
    for username, _display, _role, _code in USERS:
        client.get("/")  # fresh session
        resp = post_form(client, "/login", {"username": username, "password": DEMO_PASSWORD})
        assert resp.status_code == 302, username
        post_form(client, "/", {"lang": lang, "next": "/"}, post_url="/language")
        pages = crawl(client)
        total += len(pages)
        for url, (status, parser) in pages.items():
            if status >= 500 or status in (400, 404):
                problems.append(f"{username} {url}: HTTP {status}")
            missing = unlabelled(parser)
            if missing:
                problems.append(f"{username} {url}: inputs without a label: {missing[:3]}")
        post_form(client, "/", {}, post_url="/logout")
    print(f"[crawl {lang}] {len(USERS)} logins, {total} pages")
    assert total > len(USERS) * 3
    assert not problems, "\n".join(problems[:40])
