"""Property-based check of the API against its own OpenAPI document (schemathesis):
generated requests, with a valid token and real data behind it, never get a 500, and
every response matches the documented status codes, content types and schemas."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import NOW
from transfers.api.tokens import create_token
from transfers.cases.services import open_intake
from workflows.roles import Role


@pytest.fixture()
def api_token(app, db, make_user, make_household):  # type: ignore[no-untyped-def]
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    make_user(Role.COUNTY_SUPERVISOR, "411221")
    for _ in range(2):
        hh = make_household()
        open_intake(household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW)
    _, secret = create_token(staff, "schemathesis", now=NOW)
    db.session.commit()
    return secret


def test_api_conforms_to_its_openapi_document(app, api_token):  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):  # type: ignore[no-untyped-def]
            case.call_and_validate(headers={"Authorization": f"Bearer {api_token}"}, checks=checks)

        run()
