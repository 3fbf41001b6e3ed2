"""docs/policy.md, "Sites and their organization": what a site's residents imply."""

import pytest

from workflows.sites import (
    facility_area,
    party_organization,
    self_governance,
    service_station_required,
    staffing,
)


@pytest.mark.parametrize(
    "members,single,rural,expected",
    [
        (0, True, True, "none"),
        (2, False, False, "none"),
        (3, True, True, "group"),
        (3, False, True, "branch"),
        (3, True, False, "branch"),  # urban/township site: its own branch
        (6, False, True, "branch"),
        (7, False, True, "branch_committee"),
        (7, True, True, "group"),
        (12, False, False, "branch_committee"),
    ],
)
def test_party_organization(members, single, rural, expected):
    assert party_organization(members, single, rural).value == expected


@pytest.mark.parametrize(
    "residents,rural,expected",
    [
        (999, True, "groups"),
        (1000, True, "village"),
        (1999, False, "groups"),
        (2000, False, "community"),
        (99, True, "join"),
        (100, True, "groups"),
        (199, False, "join"),
        (200, False, "groups"),
    ],
)
def test_self_governance(residents, rural, expected):
    assert self_governance(residents, rural).value == expected


@pytest.mark.parametrize(
    "residents,expected",
    [(0, "2"), (99, "2"), (100, "3"), (299, "3"), (300, "4-5"), (799, "4-5"), (800, "committee")],
)
def test_staffing(residents, expected):
    assert staffing(residents).value == expected


def test_service_station_and_area():
    assert not service_station_required(799) and service_station_required(800)
    assert facility_area(100) == 30 and facility_area(101) == 31 and facility_area(0) == 0
    assert facility_area(250) == 75
