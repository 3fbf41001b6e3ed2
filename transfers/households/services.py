"""Registering households from code (demo data, benchmarks, tests) with keyword
arguments; it goes through the same validator and writer as the form, the API and the
import (`transfers.households.registration`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from transfers.auth.models import User
from transfers.households.models import Household
from transfers.households.registration import initials, register
from transfers.households.validation import HouseholdError, HouseholdInput, MemberInput
from transfers.jurisdictions.models import Jurisdiction, Site

__all__ = ["HouseholdError", "MemberInput", "initials", "register_household"]


def register_household(
    *,
    origin: Jurisdiction,
    destination: Jurisdiction,
    site: Site | None,
    settlement_mode: str,
    members: Sequence[MemberInput],
    actor: User | None,
    now: datetime,
    moved_on: date | None = None,
    lives_at_destination: bool = True,
    has_destination_housing: bool = False,
    has_destination_homestead: bool = False,
    has_destination_contracted_land: bool = False,
    address: str = "",
    phone: str = "",
    channel: str = "system",
) -> Household:
    """Create a household with its members; HouseholdError with field errors if not."""
    data = HouseholdInput(
        origin_id=origin.id,
        destination_id=destination.id,
        settlement_mode=settlement_mode,
        members=tuple(members),
        site_id=site.id if site is not None else None,
        moved_on=moved_on,
        address=address,
        phone=phone,
        lives_at_destination=lives_at_destination,
        has_destination_housing=has_destination_housing,
        has_destination_homestead=has_destination_homestead,
        has_destination_contracted_land=has_destination_contracted_land,
    )
    return register(data, actor=actor, now=now, channel=channel)
