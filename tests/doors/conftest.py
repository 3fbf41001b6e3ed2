"""A fresh `World` (offices, doors, geography) for every door-parity test."""

from __future__ import annotations

from typing import Any

import pytest

from tests.doors.world import World


@pytest.fixture()
def world(app: Any, db: Any, geo: Any, make_user: Any, make_household: Any) -> World:
    return World(app, db, geo, make_user, make_household)
