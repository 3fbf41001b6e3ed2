"""The vote page remembers the collective's body and its size; objections raised during
公示 (who, when, content, handling) are listed on the vote page and the case page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.conftest import NOW, login
from transfers.cases.services import open_intake
from transfers.engine import act
from transfers.votes.services import applicants_waiting, publish_session
from workflows.roles import Role


@pytest.fixture()
def collective(db, make_user, make_household, geo):  # type: ignore[no-untyped-def]
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    org = make_user(Role.COLLECTIVE_ORG, "411221100201")
    hh = make_household(members=3)
    open_intake(
        household=hh,
        requests=[(p, "collective_membership") for p in hh.members],
        actor=staff,
        now=NOW,
    )
    db.session.commit()
    return org, geo["411221100201"]


def _publish(org, village, cases, size=45):  # type: ignore[no-untyped-def]
    return publish_session(
        village=village,
        cases=cases,
        body="villagers_representatives",
        body_size=size,
        starts_on=date(2026, 11, 2),
        days=7,
        actor=org,
        now=NOW,
    )


def test_the_next_session_starts_from_the_last_body_and_size(client, db, collective):
    org, village = collective
    login(client, org)
    html = client.get(f"/votes/new/{village.id}").get_data(as_text=True)
    assert not re.search(r'<input[^>]*id="body_size"[^>]*value="45"', html)
    first = applicants_waiting(village)[0]
    _publish(org, village, [first])
    db.session.commit()
    html = client.get(f"/votes/new/{village.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="body_size"[^>]*value="45"', html)
    assert re.search(r'<option selected value="villagers_representatives"', html)
    assert "已按上次公示" in html


def test_objections_with_their_handling_on_the_vote_and_case_pages(client, db, collective):
    org, village = collective
    cases = applicants_waiting(village)
    session = _publish(org, village, cases)
    db.session.commit()
    target = cases[0]
    later = NOW + timedelta(days=1)
    act(
        case_id=target.id,
        action="object",
        actor=org,
        seen_version=None,
        data={"objection": "未在本村实际居住", "objector": "村民赵六", "raised_on": "2026-11-03"},
        now=later,
    )
    db.session.commit()
    login(client, org)
    html = client.get(f"/votes/{session.id}").get_data(as_text=True)
    assert "村民赵六" in html and "未在本村实际居住" in html and "处理中" in html
    act(
        case_id=target.id,
        action="dismiss",
        actor=org,
        seen_version=None,
        data={"resolution": "经核实已在安置点居住"},
        now=later,
    )
    db.session.commit()
    html = client.get(f"/votes/{session.id}").get_data(as_text=True)
    objection = re.search(r"<tr data-objection>(.*?)</tr>", html, re.S)
    assert objection
    row = objection.group(1)
    assert (
        "异议不成立，继续公示" in row and "经核实已在安置点居住" in row and "2026年11月3日" in row
    )
    html = client.get(f"/cases/{target.id}").get_data(as_text=True)
    assert 'id="objections"' in html and "村民赵六" in html
    other = client.get(f"/cases/{cases[1].id}").get_data(as_text=True)
    assert 'id="objections"' not in other
