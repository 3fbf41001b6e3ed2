"""The table covers the app: every API route and every web route accepting POST is a
door of a tabled operation or an explicit, commented exclusion; every operation has
cases, and every door of an operation is exercised by some case."""

from __future__ import annotations

from flask import Flask

from tests.doors.cases import CASES
from tests.doors.operations import EXCLUDED, OPERATIONS

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def app_routes(app: Flask) -> set[tuple[str, str]]:
    """(rule, method) of every API route and of every web route accepting POST."""
    routes = set()
    for rule in app.url_map.iter_rules():
        methods = set(rule.methods or ()) - IGNORED_METHODS
        for method in methods:
            if rule.rule.startswith("/api/v1/") or method != "GET":
                routes.add((rule.rule, method))
    return routes


def tabled() -> set[tuple[str, str]]:
    return {route for op in OPERATIONS.values() for route in op.routes}


def test_every_door_of_the_app_is_tabled_or_excluded(app: Flask) -> None:
    missing = app_routes(app) - tabled() - set(EXCLUDED)
    assert missing == set(), "routes with no row in tests/doors/operations.py"


def test_the_table_names_only_routes_that_exist(app: Flask) -> None:
    routes = app_routes(app)
    assert tabled() - routes == set(), "tabled routes the app no longer has"
    assert set(EXCLUDED) - routes == set(), "excluded routes the app no longer has"
    assert tabled() & set(EXCLUDED) == set(), "routes both tabled and excluded"


def test_every_operation_has_cases_and_every_door_is_exercised() -> None:
    for name, op in OPERATIONS.items():
        cases = [c for c in CASES if c.operation == name]
        assert cases, f"operation {name} has no case"
        assert any(c.expected[0] == "refused" for c in cases) or not op.writes, name
        for door in op.doors:
            assert any(door not in (c.skip or {}) for c in cases), f"{name}: {door} never run"


def test_every_case_names_a_tabled_operation_and_its_doors() -> None:
    for case in CASES:
        op = OPERATIONS[case.operation]
        assert set(case.skip or {}) <= set(op.doors), case.id
    assert len({c.id for c in CASES}) == len(CASES), "two cases with one name"


def test_the_route_collector_sees_api_reads_and_web_posts_only(app: Flask) -> None:
    routes = app_routes(app)
    assert ("/households/new", "POST") in routes and ("/api/v1/tasks", "GET") in routes
    assert ("/households/", "GET") not in routes  # a web page that only shows
    assert all(method not in IGNORED_METHODS for _rule, method in routes)
