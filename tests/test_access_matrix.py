"""Every route from the URL map against the permission table (transfers/access.py):
anonymous, wrong role, and each role at its own, a sibling and a parent jurisdiction."""

from __future__ import annotations

import re

import pytest

from tests.conftest import NOW, login
from transfers.access import ACCESS, ADMIN, PUBLIC, SUPERVISOR, TOKEN
from transfers.cases.services import open_intake
from workflows.roles import Role


def _url(rule) -> str:  # type: ignore[no-untyped-def]
    url = re.sub(r"<int(\([^)]*\))?:[a-z_]+>", "1", rule.rule)
    url = re.sub(r"<path:[a-z_]+>", "app.css", url)
    return re.sub(r"<[a-z_]+>", "x", url)


def test_every_route_has_a_permission_rule(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert endpoints - set(ACCESS) == set(), "routes without a permission rule"
    assert set(ACCESS) - endpoints == set(), "rules for routes that no longer exist"


def test_anonymous_is_refused_everywhere_but_public_routes(app, client, db):
    for rule in app.url_map.iter_rules():
        kind = ACCESS[rule.endpoint]
        if kind == PUBLIC:
            continue
        url = _url(rule)
        method = "GET" if "GET" in rule.methods else "POST"
        resp = client.open(url, method=method)
        if kind == TOKEN:
            assert resp.status_code == 401, (url, resp.status_code)
        elif method == "GET":
            assert resp.status_code == 302 and "/login" in resp.headers["Location"], (
                url,
                resp.status_code,
            )
        else:  # a POST without session is refused before anything happens
            assert resp.status_code in (302, 400), (url, resp.status_code)


@pytest.mark.parametrize(
    "role,code", [(Role.VILLAGE_STAFF, "411221100201"), (Role.POLICE_STATION, "411221100")]
)
def test_admin_and_supervisor_routes_refuse_other_roles(app, db, make_user, role, code):
    user = make_user(role, code)
    c = app.test_client()
    login(c, user)
    for rule in app.url_map.iter_rules():
        if (
            ACCESS[rule.endpoint] in (ADMIN, SUPERVISOR)
            and "GET" in rule.methods
            and "<" not in rule.rule
        ):
            assert c.get(_url(rule)).status_code == 403, rule.rule


# (role, jurisdiction, relation to the case's village 411221100201, may see, may act)
MATRIX = [
    (Role.VILLAGE_STAFF, "411221100201", "own", True, True),
    (Role.VILLAGE_STAFF, "411221100202", "sibling", False, False),
    (Role.VILLAGE_STAFF, "411221100", "parent", True, False),
    (Role.POLICE_STATION, "411221100", "own", True, False),
    (Role.POLICE_STATION, "411221101", "sibling", False, False),
    (Role.TOWNSHIP_SUPERVISOR, "411221100", "parent", True, False),
    (Role.TOWNSHIP_SUPERVISOR, "411221101", "sibling", False, False),
    (Role.COUNTY_SUPERVISOR, "411221", "parent", True, False),
    (Role.COUNTY_SUPERVISOR, "411203", "sibling", False, False),
    (Role.ADMIN, "140827", "other province", False, False),
]


@pytest.mark.parametrize("role,code,relation,may_see,may_act", MATRIX)
def test_case_and_household_routes_by_role_and_jurisdiction(
    app, db, make_user, make_household, role, code, relation, may_see, may_act
):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household(origin="411221205201")
    intake = open_intake(household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW)
    db.session.commit()
    case = intake.cases[0]
    user = make_user(role, code)
    c = app.test_client()
    login(c, user)
    seen = 200 if may_see else 403
    assert c.get(f"/cases/{case.id}").status_code == seen
    assert c.get(f"/households/{hh.id}").status_code == seen
    assert c.get(f"/cases/receipts/{intake.receipt_no}").status_code == seen
    assert c.get(f"/cases/{case.id}/act/submit").status_code == (200 if may_act else 403)
