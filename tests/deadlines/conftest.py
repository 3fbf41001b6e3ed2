"""A hukou case opened on Monday 2026-11-02 (NOW): its first task is due Monday 11-16."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import NOW
from transfers.cases.services import open_intake
from transfers.engine import open_task
from workflows.calendar import LOCAL_TZ
from workflows.roles import Role


def china(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    """An instant given as a wall-clock time in China, as UTC."""
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ).astimezone(UTC)


@pytest.fixture()
def office(db, make_user, make_household):  # type: ignore[no-untyped-def]
    staff = make_user(Role.VILLAGE_STAFF, "411221100201", "staff")
    police = make_user(Role.POLICE_STATION, "411221100", "police")
    township = make_user(Role.TOWNSHIP_SUPERVISOR, "411221100", "township_lead")
    county = make_user(Role.COUNTY_SUPERVISOR, "411221", "county_lead")
    admin = make_user(Role.ADMIN, "41", "admin")
    hh = make_household()
    intake = open_intake(household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW)
    db.session.commit()
    case = intake.cases[0]
    task = open_task(case)
    assert task is not None and task.due_on.isoformat() == "2026-11-16"
    return {
        "staff": staff,
        "police": police,
        "township": township,
        "county": county,
        "admin": admin,
        "household": hh,
        "case": case,
        "task": task,
    }
