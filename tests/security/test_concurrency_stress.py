"""Two and ten approvers act on the same task at once, ≥ 1,000 times: through the engine
(threads with their own sessions) and through the web (a live waitress server, real HTTP).
Exactly one wins each trial, the others are told someone else already acted (StaleVersion
/ HTTP 409), and each case has exactly one event for that step.

Slow: run by `.ci/run` on SQLite and PostgreSQL (`pytest -m slow`). STRESS_TRIALS sets the
number of trials (default 1,000).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW, PASSWORD, make_id
from tests.liveserver import live
from tests.security.figures import report
from transfers.auth.models import User
from transfers.cases.models import Case, Event
from transfers.cases.services import open_intake
from transfers.engine import StaleVersion, act
from transfers.households.services import MemberInput, register_household
from transfers.tasks.models import Task
from workflows.roles import Role

pytestmark = pytest.mark.slow

TRIALS = int(os.environ.get("STRESS_TRIALS", "1000"))
BATCH = 100
SUBMIT = {"option": "site_address", "building": "3", "unit": "2", "door": "501"}
STALE_TEXT = "已由他人办理或更新"


def fresh_cases(db, geo, staff, start: int, count: int) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """`count` new one-member households, each with an open hukou case: (id, version)."""
    cases = []
    for i in range(start, start + count):
        hh = register_household(
            origin=geo["411221205201"],
            destination=geo["411221100201"],
            site=geo.site,
            settlement_mode="centralized",
            members=[
                MemberInput(
                    name="王建国",
                    id_number=make_id("411221", date(1940, 1, 1) + timedelta(days=i), 1),
                    relation="户主",
                )
            ],
            actor=staff,
            now=NOW,
            lives_at_destination=True,
        )
        case = open_intake(
            household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW
        ).cases[0]
        cases.append(case)
    db.session.commit()
    return [(c.id, c.version) for c in cases]


def check_and_report(db, label: str, outcomes: list[Counter], case_ids: list[int], n: int):  # type: ignore[no-untyped-def]
    db.session.expire_all()
    winners = Counter(o["won"] for o in outcomes)
    others = Counter(k for o in outcomes for k in o if k not in ("won", "stale"))
    events = dict(
        db.session.execute(
            select(Event.case_id, func.count())
            .where(Event.kind == "transition", Event.case_id.in_(case_ids))
            .group_by(Event.case_id)
        ).all()
    )
    open_tasks = dict(
        db.session.execute(
            select(Task.case_id, func.count())
            .where(Task.closed_at.is_(None), Task.case_id.in_(case_ids))
            .group_by(Task.case_id)
        ).all()
    )
    step_events = Counter(events.get(cid, 0) for cid in case_ids)
    report(
        f"[stress] {label} on {db.engine.dialect.name}: {len(outcomes)} trials × {n} approvers; "
        f"winners per trial {dict(winners)}; told 'already acted' "
        f"{sum(o['stale'] for o in outcomes)}; other outcomes {dict(others) or 0}; "
        f"transition events per case {dict(step_events)}"
    )
    assert len(outcomes) == TRIALS
    assert winners == {1: TRIALS}, winners
    assert all(o["stale"] == n - 1 for o in outcomes)
    assert not others, others
    assert step_events == {1: TRIALS}
    assert Counter(open_tasks.get(cid, 0) for cid in case_ids) == {1: TRIALS}
    states = Counter(db.session.scalars(select(Case.state).where(Case.id.in_(case_ids))))
    assert states == {"police_review": TRIALS}


@pytest.fixture()
def approvers(db, geo, make_user):  # type: ignore[no-untyped-def]
    def factory(n: int) -> list[User]:
        return [make_user(Role.VILLAGE_STAFF, "411221100201") for _ in range(n)]

    return factory


@pytest.mark.parametrize("n", [2, 10])
def test_engine_many_approvers_exactly_one_wins(app, db, geo, approvers, n):
    users = approvers(n)
    user_ids = [u.id for u in users]
    outcomes: list[Counter] = []
    all_ids: list[int] = []
    started = time.monotonic()
    for start in range(0, TRIALS, BATCH):
        batch = fresh_cases(db, geo, users[0], start, min(BATCH, TRIALS - start))
        all_ids += [cid for cid, _ in batch]
        results: list[list[str]] = [[] for _ in batch]
        barrier = threading.Barrier(n)

        def worker(uid: int, batch=batch, results=results, barrier=barrier) -> None:
            from transfers.extensions import db as _db

            with app.app_context():
                actor = _db.session.get(User, uid)
                for t, (case_id, version) in enumerate(batch):
                    barrier.wait()
                    try:
                        act(
                            case_id=case_id,
                            action="submit",
                            actor=actor,
                            seen_version=version,
                            data=SUBMIT,
                            now=NOW,
                        )
                        _db.session.commit()
                        results[t].append("won")
                    except StaleVersion:
                        _db.session.rollback()
                        results[t].append("stale")
                    except Exception as e:  # noqa: BLE001 - reported by the assertions
                        _db.session.rollback()
                        results[t].append(f"{type(e).__name__}: {e}")
                _db.session.remove()

        threads = [threading.Thread(target=worker, args=(uid,)) for uid in user_ids]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        outcomes += [Counter(r) for r in results]
    elapsed = time.monotonic() - started
    check_and_report(db, f"engine threads ({elapsed:.0f}s)", outcomes, all_ids, n)


# --- through the web ----------------------------------------------------------------------
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """One approver's browser: its own cookies and CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        self.token = ""

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:  # type: ignore[type-arg]
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def login(self, username: str) -> None:
        _, html = self.request("/login")
        token = CSRF_RE.search(html).group(1)  # type: ignore[union-attr]
        status, _ = self.request(
            "/login", {"csrf_token": token, "username": username, "password": PASSWORD}
        )
        assert status == 302
        _, html = self.request("/")
        self.token = CSRF_RE.search(html).group(1)  # type: ignore[union-attr]


@pytest.fixture()
def server(app, db) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with live(app, threads=10) as base:
        yield base


@pytest.mark.parametrize("n", [2, 10])
def test_web_many_approvers_exactly_one_wins(app, db, geo, approvers, server, n):
    users = approvers(n)
    browsers = []
    for u in users:
        b = Browser(server)
        b.login(u.username)
        browsers.append(b)
    outcomes: list[Counter] = []
    all_ids: list[int] = []
    started = time.monotonic()
    for start in range(0, TRIALS, BATCH):
        batch = fresh_cases(db, geo, users[0], start, min(BATCH, TRIALS - start))
        all_ids += [cid for cid, _ in batch]
        results: list[list[str]] = [[] for _ in batch]
        barrier = threading.Barrier(n)

        def worker(b: Browser, batch=batch, results=results, barrier=barrier) -> None:
            for t, (case_id, version) in enumerate(batch):
                form = {"csrf_token": b.token, "version": str(version), **SUBMIT}
                barrier.wait()
                status, html = b.request(f"/cases/{case_id}/act/submit", form)
                if status == 303:
                    results[t].append("won")
                elif status == 409 and STALE_TEXT in html:
                    results[t].append("stale")
                else:
                    results[t].append(f"HTTP {status}")

        threads = [threading.Thread(target=worker, args=(b,)) for b in browsers]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        outcomes += [Counter(r) for r in results]
    elapsed = time.monotonic() - started
    check_and_report(db, f"web, real HTTP ({elapsed:.0f}s)", outcomes, all_ids, n)


@pytest.mark.parametrize("n", [2, 10])
def test_api_many_approvers_exactly_one_wins(app, db, geo, approvers, server, n):
    """The same race through the REST API: one 200, the others 409 problem+json."""
    import json

    from transfers.api.tokens import create_token

    users = approvers(n)
    secrets_ = [create_token(u, "stress", now=NOW)[1] for u in users]
    db.session.commit()
    outcomes: list[Counter] = []
    all_ids: list[int] = []
    started = time.monotonic()
    for start in range(0, TRIALS, BATCH):
        batch = fresh_cases(db, geo, users[0], start, min(BATCH, TRIALS - start))
        all_ids += [cid for cid, _ in batch]
        task_of = dict(
            db.session.execute(
                select(Task.case_id, Task.id).where(
                    Task.case_id.in_([c for c, _ in batch]), Task.closed_at.is_(None)
                )
            ).all()
        )
        results: list[list[str]] = [[] for _ in batch]
        barrier = threading.Barrier(n)

        def worker(
            secret: str, batch=batch, results=results, barrier=barrier, task_of=task_of
        ) -> None:
            for t, (case_id, version) in enumerate(batch):
                body = json.dumps({"action": "submit", "version": version, "data": SUBMIT}).encode()
                req = urllib.request.Request(
                    f"{server}/api/v1/tasks/{task_of[case_id]}/act",
                    data=body,
                    headers={
                        "Authorization": f"Bearer {secret}",
                        "Content-Type": "application/json",
                    },
                    method="POST",
                )
                barrier.wait()
                try:
                    with urllib.request.urlopen(req, timeout=60) as resp:
                        results[t].append("won" if resp.status == 200 else f"HTTP {resp.status}")
                except urllib.error.HTTPError as e:
                    ctype = e.headers.get("Content-Type", "")
                    ok = e.code == 409 and "problem+json" in ctype
                    results[t].append("stale" if ok else f"HTTP {e.code}")

        threads = [threading.Thread(target=worker, args=(s,)) for s in secrets_]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        outcomes += [Counter(r) for r in results]
    elapsed = time.monotonic() - started
    check_and_report(db, f"REST API, real HTTP ({elapsed:.0f}s)", outcomes, all_ids, n)
