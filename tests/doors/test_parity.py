"""Every door of an operation gives the same outcome for the same input: accepted with
the same effect on the database, or refused with the same reason and nothing written."""

from __future__ import annotations

import pytest

from tests.doors.cases import CASES, Case
from tests.doors.operations import OPERATIONS, perform
from tests.doors.world import World

RUNS = [
    pytest.param(case, door, id=f"{case.id}-{door}")
    for case in CASES
    for door in OPERATIONS[case.operation].doors
    if door not in (case.skip or {})
]


@pytest.mark.parametrize("case,door", RUNS)
def test_door_gives_the_cases_outcome(world: World, case: Case, door: str) -> None:
    given = case.setup(world)
    outcome = perform(OPERATIONS[case.operation], door, world, given)
    assert outcome == case.expected
