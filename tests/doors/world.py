"""The offices, logged-in doors and database summary shared by the door-parity drivers.

A `World` is built fresh for every test (one test per case and door), so each door
starts from the same database. Its offices are those of a relocation county in 河南:
the clerk is village staff of 幸福社区 (城关镇, 渑池县); another township is 英豪镇.

`summary` is what a door's effect is compared on: the key fields of the domain's rows
(households, persons, their registration events, intakes, cases, case events, tasks),
never database ids, timestamps or the door's own name (a registration event records
its channel, "form", "api" or "import", on purpose). `page_reasons` and
`problem_reasons` read the refusal a door shows: the web in its page (flashed alerts,
error summaries, field messages), the API in problem+json `errors` or `detail`.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import Geo, login
from tests.test_api import token_for
from transfers.auth.models import User
from transfers.cases.models import Case, Event, Intake
from transfers.households.models import Household, HouseholdEvent, Person
from transfers.tasks.models import Task
from workflows.roles import Role

DEST = "411221100201"  # 幸福社区, 城关镇
ORIGIN = "411221205201"  # 段村村, 段村乡
OTHER_VILLAGE = "411221101201"  # 英豪新村, 英豪镇
FAR_ORIGIN = "411203105201"  # 宫前村, 宫前乡, 陕州区

# The offices of the world, built on first use: role and division code.
OFFICES: dict[str, tuple[Role, str]] = {
    "clerk": (Role.VILLAGE_STAFF, DEST),
    "colleague": (Role.VILLAGE_STAFF, DEST),
    "yinghao_clerk": (Role.VILLAGE_STAFF, OTHER_VILLAGE),
    "sunshine_clerk": (Role.VILLAGE_STAFF, "411221100202"),  # 阳光社区
    "collective_org": (Role.COLLECTIVE_ORG, DEST),
    "police": (Role.POLICE_STATION, "411221100"),
    "yinghao_police": (Role.POLICE_STATION, "411221101"),
    "township_supervisor": (Role.TOWNSHIP_SUPERVISOR, "411221100"),
    "county_supervisor": (Role.COUNTY_SUPERVISOR, "411221"),
    "shanzhou_supervisor": (Role.COUNTY_SUPERVISOR, "411203"),
}

Outcome = tuple[str, Any]


class World:
    def __init__(
        self,
        app: Flask,
        db: Any,
        geo: Geo,
        make_user: Callable[..., User],
        make_household: Callable[..., Household],
    ) -> None:
        self.app, self.db, self.geo = app, db, geo
        self.make_household = make_household
        self._make_user = make_user
        self._users: dict[str, User] = {}
        self._clients: dict[str, FlaskClient] = {}
        self._tokens: dict[str, dict[str, str]] = {}

    def user(self, key: str) -> User:
        if key not in self._users:
            role, code = OFFICES[key]
            self._users[key] = self._make_user(role, code)
        return self._users[key]

    def web(self, key: str) -> FlaskClient:
        """A browser logged in as that office (CSRF on)."""
        if key not in self._clients:
            client = self.app.test_client()
            login(client, self.user(key))
            self._clients[key] = client
        return self._clients[key]

    def anonymous(self) -> FlaskClient:
        return self.app.test_client()

    def api(self, key: str) -> dict[str, str]:
        """The bearer token header of that office."""
        if key not in self._tokens:
            self._tokens[key] = token_for(self.db, self.user(key))
        return self._tokens[key]

    def open_task(self, case_id: int) -> Task:
        self.db.session.expire_all()
        task: Task | None = self.db.session.scalar(
            select(Task).where(Task.case_id == case_id, Task.closed_at.is_(None))
        )
        assert task is not None, f"case {case_id} has no open task"
        return task

    def case(self, case_id: int) -> Case:
        self.db.session.expire_all()
        case: Case | None = self.db.session.get(Case, case_id)
        assert case is not None
        return case


def summary(db: Any) -> dict[str, Counter[tuple[Any, ...]]]:
    """The domain's rows by their key fields (a multiset per table)."""
    db.session.expire_all()
    s = db.session
    people = {p.id: p.name for p in s.scalars(select(Person))}
    cases = {c.id: c for c in s.scalars(select(Case))}
    return {
        "households": Counter(
            (h.origin.code, h.destination.code, h.settlement_mode, len(h.members))
            for h in s.scalars(select(Household))
        ),
        "persons": Counter(
            (p.name, p.id_number, p.relation, p.assistance, p.collective_member)
            for p in s.scalars(select(Person))
        ),
        "household_events": Counter((e.kind,) for e in s.scalars(select(HouseholdEvent))),
        "intakes": Counter((len(i.cases),) for i in s.scalars(select(Intake))),
        "cases": Counter(
            (c.procedure, c.state, c.outcome, people.get(c.person_id or 0, ""), c.version)
            for c in cases.values()
        ),
        "events": Counter(
            (cases[e.case_id].procedure, e.kind, e.action, e.from_state, e.to_state)
            for e in s.scalars(select(Event))
        ),
        "tasks": Counter(
            (
                t.procedure,
                t.state,
                t.jurisdiction.code,
                t.claimed_by.username if t.claimed_by else "",
                t.closed_at is not None,
                t.close_action,
            )
            for t in s.scalars(select(Task))
        ),
    }


def effect(
    before: dict[str, Counter[tuple[Any, ...]]], after: dict[str, Counter[tuple[Any, ...]]]
) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    """Rows that appeared and rows that went (changed rows show as both), per table."""
    out: dict[str, dict[str, list[tuple[Any, ...]]]] = {}
    for table in after:
        added = sorted((after[table] - before[table]).elements(), key=repr)
        gone = sorted((before[table] - after[table]).elements(), key=repr)
        if added or gone:
            out[table] = {"added": added, "gone": gone}
    return out


_ALERT = re.compile(r'<div class="alert alert-(?:danger|warning)[^"]*"[^>]*>(.*?)</div>', re.S)
_FEEDBACK = re.compile(r'<div class="invalid-feedback[^"]*">(.*?)</div>', re.S)
_ITEM = re.compile(r"<li>(.*?)</li>", re.S)


_MEMBER_ROW = re.compile(r"^第\d+位成员(（[^）]*）)?：")


def page_reasons(page: str) -> str:
    """The refusal a web page shows: flashed messages, error summaries, field messages."""
    found: set[str] = set()
    for block in _ALERT.findall(page):
        # The registration form's summary names the member row of each reason
        # (第2位成员（张三）：…); the reason itself is what every door shares.
        items = [_MEMBER_ROW.sub("", item) for item in _ITEM.findall(block)]
        if items:
            found.update(items)
        elif "<" not in block:  # a flashed message (the stale-form notice holds a link)
            found.add(block)
    found.update(_FEEDBACK.findall(page))
    return join_reasons(html.unescape(text.strip()) for text in found)


def problem_reasons(body: dict[str, Any]) -> str:
    """The refusal of a problem+json answer: its field errors, else its detail."""
    errors = body.get("errors") or {}
    return join_reasons(errors.values() if errors else [body["detail"]])


def join_reasons(reasons: Any) -> str:
    return "；".join(sorted({str(r) for r in reasons if str(r)}))
