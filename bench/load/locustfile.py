"""Locust journeys of a Monday morning (bench/load/run.py starts them headless).

Four kinds of users, each logged in with an account of their own (the plan file written by
bench/load/accounts.py, LOAD_PLAN), each with its own session, CSRF token and think time:

- a clerk (村级经办) searches for a household and opens its cases;
- an approver (派出所) opens the queue, claims a step and acts on it;
- a supervisor (县级督办) opens the dashboard, drills down and exports the overdue list;
- a resident looks up a receipt (从自己的地址: each resident connects from a loopback
  address of its own, as residents come from their own addresses).

Every request is named after its page, so the statistics are per page. A 409 on a claim
or an action counts as a success only when another approver tried the same step.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task
from urllib3 import PoolManager

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
THINK_MIN = float(os.environ.get("LOAD_THINK_MIN", 2))
THINK_MAX = float(os.environ.get("LOAD_THINK_MAX", 6))
THINK = between(THINK_MIN, THINK_MAX)
WORK = 20  # an official's journeys of work for one sign-in again (an expired session)
_next_account = {kind: itertools.count() for kind in PLAN["accounts"]}
_resident_address = itertools.count(1)
# case id -> the approvers that tried its step; conflicts explained / not explained by a rival.
ATTEMPTS: dict[int, set[str]] = defaultdict(set)
CONFLICTS = {"explained": 0, "unexplained": 0}


def csrf(html: str) -> str:
    match = CSRF.search(html)
    return match.group(1) if match else ""


class FormFields(HTMLParser):
    """The fields of the forms whose action contains `action`, with their values
    as the page filled them in, for a submission as a browser would send it."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.select = action, False, ""
        self.fields: dict[str, str] = {}
        self.required: set[str] = set()
        self.types: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":  # a form without an action posts to its own page
            own = "action" not in a and a.get("method", "").lower() == "post"
            self.inside = own or self.action in a.get("action", "")
        elif not self.inside or not a.get("name"):
            return
        elif tag == "input" and a.get("type") not in ("checkbox", "radio", "submit", "file"):
            self.fields[a["name"]] = a.get("value", "")
            self.types[a["name"]] = a.get("type", "text")
        elif tag == "textarea":
            self.fields[a["name"]] = ""
            self.types[a["name"]] = "textarea"
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and self.select not in self.fields and a.get("value"):
            self.fields[self.select] = a["value"]
        if self.inside and "required" in a and a.get("name"):
            self.required.add(a["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = ""
        elif tag == "form":
            self.inside = False


class Official(HttpUser):
    abstract = True
    wait_time = THINK
    kind = ""

    def on_start(self) -> None:
        names = PLAN["accounts"][self.kind]
        self.username = names[next(_next_account[self.kind]) % len(names)]
        page = self.client.get("/login", name="login page")
        resp = self.client.post(
            "/login",
            data={
                "csrf_token": csrf(page.text),
                "username": self.username,
                "password": PLAN["password"],
            },
            name="login",
            allow_redirects=False,
        )
        if resp.status_code != 302:
            resp.failure(f"login of {self.username}: {resp.status_code}")  # type: ignore[attr-defined]

    @task(1)
    def sign_in_again(self) -> None:
        """Now and then a session has expired (a lunch break, another computer) and the
        official signs in again: logins are measured among users at work, not only in
        the burst of a stage's start."""
        self.client.cookies.clear()
        self.on_start()


class Clerk(Official):
    weight = 4
    kind = "clerk"

    @task(WORK)
    def search_and_open(self) -> None:
        q = random.choice(PLAN["searches"])
        page = self.client.get("/households/", params={"q": q}, name="clerk: household search")
        households = re.findall(r'href="/households/(\d+)"', page.text)
        if not households:
            return
        detail = self.client.get(f"/households/{households[0]}", name="clerk: household page")
        for case_id in sorted(set(re.findall(r'href="/cases/(\d+)"', detail.text)))[:2]:
            self.client.get(f"/cases/{case_id}", name="clerk: case page")


class Approver(Official):
    weight = 3
    kind = "approver"

    @task(WORK)
    def claim_and_act(self) -> None:
        """Open the queue, take one of its first steps: claim it if nobody has, open the
        case and act on it."""
        queue = self.client.get("/tasks/", name="approver: queue")
        rows = []
        for row in re.findall(r"<tr.*?</tr>", queue.text, re.S):
            case = re.search(r'href="/cases/(\d+)"', row)
            if case:
                claim = re.search(r'action="/tasks/(\d+)/claim"', row)
                rows.append((int(claim.group(1)) if claim else None, int(case.group(1))))
        # Like an approver, take a step nobody has claimed if the first rows have one
        # (a step another approver holds is theirs to finish).
        free = [row for row in rows[:10] if row[0] is not None]
        if not free and not rows:
            return
        task_id, case_id = random.choice(free or rows[:10])
        ATTEMPTS[case_id].add(self.username)
        if task_id is not None:
            with self.client.post(
                f"/tasks/{task_id}/claim",
                data={"csrf_token": csrf(queue.text), "next": "/tasks/"},
                name="approver: claim",
                catch_response=True,
            ) as resp:
                if not self._conflict(resp, case_id) or resp.status_code >= 400:
                    return
        case_page = self.client.get(f"/cases/{case_id}", name="approver: case page")
        self._act(case_id, case_page.text)

    def _act(self, case_id: int, case_page: str) -> None:
        links = re.findall(r'href="(/cases/(\d+)/act/([\w-]+))"', case_page)
        if not links:
            return
        url = links[0][0]
        form_page = self.client.get(url, name="approver: action form")
        form = FormFields(url)
        form.feed(form_page.text)
        data = dict(form.fields)
        for name in form.required:
            if not data.get(name):
                data[name] = "2026-12-01" if form.types.get(name) == "date" else "压力测试"
        with self.client.post(url, data=data, name="approver: act", catch_response=True) as resp:
            self._conflict(resp, case_id)

    def _conflict(self, resp: Any, case_id: int) -> bool:
        """Judge a 409: fine when another approver tried the same case's step. True to
        go on."""
        if resp.status_code != 409:
            return True
        if len(ATTEMPTS[case_id]) > 1:
            CONFLICTS["explained"] += 1
            resp.success()
        else:
            CONFLICTS["unexplained"] += 1
            resp.failure("409 with no rival on this step")
        return False


class Supervisor(Official):
    weight = 1
    kind = "supervisor"

    @task(WORK)
    def dashboard_drill_export(self) -> None:
        board = self.client.get("/supervision/", name="supervisor: dashboard")
        nodes = re.findall(r"[?&]node=(\d+)", board.text)
        if nodes:
            self.client.get(
                "/supervision/",
                params={"node": random.choice(nodes)},
                name="supervisor: drill-down",
            )
        self.client.get("/exports/overdue.csv", name="supervisor: overdue export")


class Resident(HttpUser):
    """A resident arriving from an address of its own; each look-up is another
    household's receipt. Never faster than one look-up in 2 s from one address (the
    per-address limit is 30 a minute), even when officials think for no time."""

    weight = 2
    wait_time = between(max(2.0, THINK_MIN), max(2.0, THINK_MAX))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        n = next(_resident_address)
        # Each resident connects from its own loopback address (per-address limits).
        self.pool_manager = PoolManager(source_address=(f"127.0.{n // 250 + 1}.{n % 250 + 1}", 0))
        super().__init__(*args, **kwargs)

    @task
    def look_up(self) -> None:
        receipt, tail = random.choice(PLAN["receipts"])
        page = self.client.get("/query/", name="resident: lookup page")
        self.client.post(
            "/query/",
            data={"csrf_token": csrf(page.text), "receipt_no": receipt, "id_tail": tail},
            name="resident: lookup",
        )


@events.quitting.add_listener
def _conflicts(environment: Any, **_kw: Any) -> None:
    path = os.environ.get("LOAD_CONFLICTS")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(CONFLICTS, out)
