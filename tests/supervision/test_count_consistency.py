"""Every page, chart, table, ledger, export and API answer that says how many steps are
overdue in a jurisdiction says the same number, for the county and for each township.

The numbers are read from the responses (HTML, chart JSON, CSV, API JSON) and held
against a count by hand of the tasks in the database: open, due before today, with
their office in the jurisdiction. On the demo county, and on a generated county whose
steps wait at village, township and county offices, some at an office of another
township than their case, escalated to different levels.
"""

from __future__ import annotations

import csv
import html
import io
import json
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import NOW, PASSWORD, login
from tests.supervision.conftest import at
from transfers.api.tokens import create_token
from transfers.auth.models import User
from transfers.auth.services import create_user
from transfers.cases.models import Case
from transfers.db import utcnow
from transfers.deadlines.models import Escalation
from transfers.demo import load_demo
from transfers.demo_county import DEMO_PASSWORD
from transfers.engine import open_case, open_task
from transfers.jurisdictions.models import Jurisdiction
from transfers.supervision import snapshot
from transfers.supervision.scope import children
from transfers.tasks.models import Task
from workflows.calendar import local_date
from workflows.roles import Role


def _int(pattern: str, text: str) -> int:
    m = re.search(pattern, text)
    assert m, pattern
    return int(m.group(1))


def _table(page: str, table_id: str) -> str:
    start = page.index(f'id="{table_id}"')
    return page[start : page.index("</table>", start)]


def jurisdiction_table(page: str) -> dict[str, int]:
    """The dashboard's 按辖区 table: {child id: n, "": the node's own offices}."""
    part = _table(page, "by-jurisdiction")
    rows = {
        m.group(1): int(m.group(2))
        for m in re.finditer(r'node=(\d+)[^"]*">[^<]*</a></td><td class="text-end">(\d+)<', part)
    }
    own = re.search(r'本级单位</td><td class="text-end">(\d+)<', part)
    rows[""] = int(own.group(1)) if own else 0
    return rows


def chart(page: str, title_id: str) -> dict[str, Any] | None:
    """The data of the chart captioned by `title_id` (None: the page draws no charts)."""
    if f'id="{title_id}"' not in page:
        return None
    start = page.index(f'id="{title_id}"')
    m = re.search(r'data-chart="([^"]*)"', page[start:])
    assert m
    data: dict[str, Any] = json.loads(html.unescape(m.group(1)))
    return data


def overdue_bars(page: str) -> dict[str, int]:
    """The 按辖区 chart's overdue series: {child id or "": n}; its data table agrees."""
    data = chart(page, "chart-jurisdiction-title")
    assert data is not None
    bars = {str(k): n for k, n in zip(data["keys"], data["series"][1]["data"], strict=True)}
    part = _table(page, "chart-by-jurisdiction")
    listed = re.findall(r'class="text-end">\d+</td><td class="text-end">(\d+)<', part)
    assert [int(n) for n in listed] == list(bars.values())
    return bars


def procedure_bars_total(page: str) -> int:
    data = chart(page, "chart-procedure-title")
    return sum(data["series"][1]["data"]) if data else 0


def csv_rows(resp: Any) -> int:
    return len(list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))) - 1


@dataclass
class Place:
    node: Jurisdiction
    lead: User  # a supervisor of exactly this jurisdiction
    password: str


def signed_in(app: Flask, user: User, password: str) -> FlaskClient:
    client = app.test_client()
    login(client, user, password)
    return client


def by_hand(path: str, today: date) -> int:
    from transfers.extensions import db

    tasks = db.session.scalars(select(Task)).all()
    return sum(
        1
        for t in tasks
        if t.closed_at is None
        and t.due_on
        and t.due_on < today
        and t.jurisdiction_path.startswith(path)
    )


def own_figures(client: FlaskClient, db: Any, place: Place) -> dict[str, int]:
    """What the jurisdiction's own supervisor (signed in on `client`) is shown."""
    board = client.get("/supervision/").get_data(as_text=True)
    ledger = client.get("/supervision/ledgers/work?status=overdue").get_data(as_text=True)
    _token, secret = create_token(place.lead, "test", now=utcnow())
    db.session.commit()
    api = client.get("/api/v1/overdue?per_page=1", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200, api.get_data(as_text=True)
    return {
        "home page": _int(r'id="home-overdue">(\d+)<', client.get("/").get_data(as_text=True)),
        "dashboard total": _int(r'id="overdue-total">(\d+)<', board),
        "chart by procedure": procedure_bars_total(board),
        "work ledger": _int(r'id="ledger-total">\D*(\d+)', ledger),
        "export": csv_rows(client.get("/exports/overdue.csv")),
        "api": api.get_json()["total"],
    }


def county_figures(county_client: FlaskClient, node: Jurisdiction) -> dict[str, int]:
    """What the county's supervisor is shown for `node` (drill-down and ledger)."""
    drill = county_client.get(f"/supervision/?node={node.id}").get_data(as_text=True)
    ledger = county_client.get(f"/supervision/ledgers/work?status=overdue&node={node.id}")
    return {
        "drill-down total": _int(r'id="overdue-total">(\d+)<', drill),
        "drill-down ledger": _int(r'id="ledger-total">\D*(\d+)', ledger.get_data(as_text=True)),
    }


def assert_consistent(app: Flask, db: Any, county: Place, townships: list[Place]) -> int:
    """Every surface agrees with the count by hand; returns the county's number."""
    today = local_date(utcnow())
    county_client = signed_in(app, county.lead, county.password)
    county_page = county_client.get("/supervision/").get_data(as_text=True)
    table, bars = jurisdiction_table(county_page), overdue_bars(county_page)
    stored = snapshot.compute_all([county.node], today)[county.node]
    in_snapshot = {str(j or ""): n for j, n in stored["by_jurisdiction"]}
    expected = by_hand(county.node.path, today)
    seen = {
        **own_figures(county_client, db, county),
        **county_figures(county_client, county.node),
        "table (sum)": sum(table.values()),
        "chart (sum)": sum(bars.values()),
        "snapshot total": stored["total"],
    }
    assert seen == dict.fromkeys(seen, expected), ("county", seen, expected)
    for place in townships:
        key = str(place.node.id)
        expected = by_hand(place.node.path, today)
        seen = {
            **own_figures(signed_in(app, place.lead, place.password), db, place),
            **county_figures(county_client, place.node),
            "county table": table[key],
            "county chart": bars[key],
            "snapshot": in_snapshot[key],
        }
        assert seen == dict.fromkeys(seen, expected), (place.node.name, seen, expected)
    own_offices = by_hand(county.node.path, today) - sum(
        by_hand(p.node.path, today) for p in townships
    )
    assert table[""] == bars.get("", 0) == in_snapshot.get("", 0) == own_offices
    return seen_total(county_page)


def seen_total(page: str) -> int:
    return _int(r'id="overdue-total">(\d+)<', page)


def snapshot_county_figure(app: Flask, db: Any, county: Jurisdiction, lead: User) -> int:
    """The county's row on its city's dashboard, served from the scheduler's snapshot."""
    now = utcnow()
    snapshot.refresh(local_date(now), now)
    db.session.commit()
    page = signed_in(app, lead, PASSWORD).get(f"/supervision/?node={county.parent_id}")
    text = page.get_data(as_text=True)
    assert 'id="as-of"' in text  # the snapshot, not a live count
    return jurisdiction_table(text)[str(county.id)]


def township_lead(db: Any, node: Jurisdiction) -> User:
    user = create_user(
        f"lead_{node.code}", f"{node.name}督查", PASSWORD, [(Role.TOWNSHIP_SUPERVISOR, node)]
    )
    user.session_token = "t"
    db.session.commit()
    return user


def test_the_demo_county_shows_one_number_everywhere(app, db):  # type: ignore[no-untyped-def]
    load_demo(households=40)
    db.session.commit()
    js = {j.code: j for j in db.session.scalars(select(Jurisdiction))}
    users = {u.username: u for u in db.session.scalars(select(User))}
    for u in users.values():
        u.session_token = "t"
    db.session.commit()
    leads = {"411221100": users["chengguan_lead"], "411221205": users["duancun_lead"]}
    townships = [
        Place(j, leads[j.code], DEMO_PASSWORD)
        if j.code in leads
        else Place(j, township_lead(db, j), PASSWORD)
        for j in children(js["411221"])
    ]
    county = Place(js["411221"], users["mianchi_lead"], DEMO_PASSWORD)
    total = assert_consistent(app, db, county, townships)
    assert total > 0
    province_lead = create_user(
        "province_lead", "省督查", PASSWORD, [(Role.COUNTY_SUPERVISOR, js["41"])]
    )
    province_lead.session_token = "t"
    db.session.commit()
    assert snapshot_county_figure(app, db, js["411221"], province_lead) == total


VILLAGES = ["411221100201", "411221100202", "411221101201", "411221205201", "411203105201"]
# Offices a step may wait at instead of its village: townships (their own offices), the
# county, and villages of other townships than the case's.
OFFICES = ["411221100", "411221101", "411221205", "411221", *VILLAGES]


def generate(geo: Any, make_user: Any, make_household: Any, today: date) -> None:
    from transfers.extensions import db

    rng = random.Random(20261206)
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    for _i in range(45):
        dest = rng.choice(VILLAGES)
        mode = "centralized" if dest == "411221100201" else "scattered"
        hh = make_household(destination=dest, members=1, settlement_mode=mode)
        case = open_case(
            household=hh, person=hh.members[0], procedure_name="hukou", actor=staff, now=NOW
        )
        task = open_task(case)
        assert task is not None
        task.due_on = today + timedelta(days=rng.randint(-45, 4))
        if rng.random() < 0.45:
            office = geo[rng.choice(OFFICES)]
            task.jurisdiction_id, task.jurisdiction_path = office.id, office.path
        levels = rng.choice([(), ("township",), ("township", "district")])
        db.session.flush()
        for level in levels:
            db.session.add(
                Escalation(
                    task_id=task.id,
                    case_id=case.id,
                    level=level,
                    at=at(today - timedelta(days=1)),
                    due_on=task.due_on,
                    to_role=Role.TOWNSHIP_SUPERVISOR.value,
                    to_path=task.jurisdiction_path,
                )
            )
    db.session.commit()


def test_a_generated_county_shows_one_number_everywhere(  # type: ignore[no-untyped-def]
    app, db, geo, make_user, make_household
):
    generate(geo, make_user, make_household, local_date(utcnow()))
    county = geo["411221"]
    townships = [
        Place(geo[c], township_lead(db, geo[c]), PASSWORD)
        for c in ("411221100", "411221101", "411221205")
    ]
    lead = make_user(Role.COUNTY_SUPERVISOR, "411221")
    total = assert_consistent(app, db, Place(county, lead, PASSWORD), townships)
    # Every township has overdue steps, some at offices of another township than the case.
    steps = db.session.execute(
        select(Task.jurisdiction_path, Case.jurisdiction_path).join(Case, Case.id == Task.case_id)
    ).all()
    moved = [office for office, place in steps if not office.startswith(place)]
    assert total > 10 and moved
    assert snapshot_county_figure(app, db, county, make_user(Role.COUNTY_SUPERVISOR, "41")) == total
