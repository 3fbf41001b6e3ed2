"""Fixture data for the supervisors' numbers, counted by hand in the tests.

Relative to a day T (all cases opened on Monday 2026-11-02):
  A1 幸福社区 due T-1 · A2 幸福社区 due T-10, 催办 · A3 幸福社区 due T-40, 催办 + 督办
  B1 阳光社区 due T-20, 催办 · C1 英豪新村 due T-3 · D1 幸福社区 due T+3 (not overdue)
  E1 宫前村 (another county) due T-5 · G closed on time · H closed late (first step).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from tests.conftest import NOW
from transfers.deadlines.models import Escalation
from transfers.engine import act, open_case, open_task
from workflows.calendar import LOCAL_TZ
from workflows.roles import Level, Role, ancestor_path

SUBMIT = {"option": "site_address", "building": "3", "unit": "2", "door": "501"}


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), LOCAL_TZ).astimezone(UTC)


@pytest.fixture()
def board(db, make_user, make_household):  # type: ignore[no-untyped-def]
    def build(T: date) -> dict:  # noqa: N803 - the day is called T in the docstring
        staff = make_user(Role.VILLAGE_STAFF, "411221100201")
        police = make_user(Role.POLICE_STATION, "411221100")
        users = {
            "county": make_user(Role.COUNTY_SUPERVISOR, "411221"),
            "chengguan": make_user(Role.TOWNSHIP_SUPERVISOR, "411221100"),
            "yinghao": make_user(Role.TOWNSHIP_SUPERVISOR, "411221101"),
            "staff": staff,
            "police": police,
        }
        cases = {}
        for key, dest, days in [
            ("A1", "411221100201", -1),
            ("A2", "411221100201", -10),
            ("A3", "411221100201", -40),
            ("B1", "411221100202", -20),
            ("C1", "411221101201", -3),
            ("D1", "411221100201", 3),
            ("E1", "411203105201", -5),
            ("G", "411221100201", None),
            ("H", "411221100201", None),
        ]:
            mode = "centralized" if dest == "411221100201" else "scattered"
            hh = make_household(destination=dest, members=1, settlement_mode=mode)
            case = open_case(
                household=hh, person=hh.members[0], procedure_name="hukou", actor=staff, now=NOW
            )
            if days is not None:
                open_task(case).due_on = T + timedelta(days=days)
            cases[key] = case
        db.session.flush()
        for key, level, day in [
            ("A2", "township", date(2026, 11, 18)),
            ("A3", "township", date(2026, 11, 18)),
            ("A3", "district", date(2026, 11, 25)),
            ("B1", "township", date(2026, 11, 10)),
        ]:
            task = open_task(cases[key])
            db.session.add(
                Escalation(
                    task_id=task.id,
                    case_id=task.case_id,
                    level=level,
                    at=at(day),
                    due_on=task.due_on,
                    to_role=Role.TOWNSHIP_SUPERVISOR.value,
                    to_path=ancestor_path(task.jurisdiction_path, Level.TOWNSHIP),
                )
            )
        approve = {"new_address": "幸福路88号3-2-501", "registered_on": "2026-11-05"}
        g, h = cases["G"], cases["H"]
        act(
            case_id=g.id,
            action="submit",
            actor=staff,
            seen_version=None,
            data=SUBMIT,
            now=at(date(2026, 11, 3)),
        )
        act(
            case_id=g.id,
            action="approve",
            actor=police,
            seen_version=None,
            data=approve,
            now=at(date(2026, 11, 5)),
        )
        act(
            case_id=h.id,
            action="submit",
            actor=staff,
            seen_version=None,
            data=SUBMIT,
            now=at(date(2026, 11, 20)),
        )
        act(
            case_id=h.id,
            action="approve",
            actor=police,
            seen_version=None,
            data={**approve, "registered_on": "2026-11-21"},
            now=at(date(2026, 11, 21)),
        )
        db.session.commit()
        return {"users": users, "cases": cases, "T": T}

    return build
