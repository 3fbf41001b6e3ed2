"""The one writer of households: every door (form, API, import) registers through here.

`register_many` checks each household with `validate_household`, inserts the valid ones
with their members in bulk (one statement per table) and records one `registered`
household event for each, naming the door and the user. `register` is the same for one
household, raising `HouseholdError` with field errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from pypinyin import Style, lazy_pinyin
from sqlalchemy import insert

from transfers.auth.models import User
from transfers.db import table_of
from transfers.extensions import db
from transfers.households.models import REGISTRATION_CHANNELS, Household, HouseholdEvent, Person
from transfers.households.surnames import surname_initials
from transfers.households.validation import (
    Destinations,
    HouseholdError,
    HouseholdInput,
    MemberInput,
    Places,
    Registered,
    registered_people,
    validate_household,
)
from transfers.monitoring.services import open_monitoring_cases
from workflows.idcard import InvalidIdNumber, parse_id_number


@lru_cache(maxsize=65536)
def initials(name: str) -> str:
    """Pinyin initials for search: 张三丰 -> zsf, 单田芳 -> stf (a surname is read as a
    surname: transfers/households/surnames.py).

    Cached per name: a ledger repeats names (a village shares a few surnames and many
    given names), and pypinyin's segmentation of each name is most of a big import's
    time. The result depends on the name alone, so the cache never changes it.
    """
    surname = surname_initials(name)
    head, rest = surname if surname is not None else ("", name)
    return (head + "".join(lazy_pinyin(rest, style=Style.FIRST_LETTER))).lower()


def _numbers(items: Sequence[HouseholdInput]) -> list[str]:
    numbers = []
    for item in items:
        for m in item.members:
            try:
                numbers.append(parse_id_number(m.id_number).number)
            except InvalidIdNumber:
                continue
    return numbers


def _household_row(data: HouseholdInput, now: datetime) -> dict[str, Any]:
    return {
        "origin_jurisdiction_id": data.origin_id,
        "destination_jurisdiction_id": data.destination_id,
        "site_id": data.site_id,
        "settlement_mode": data.settlement_mode,
        "moved_on": data.moved_on,
        "address": data.address,
        "phone": data.phone,
        "lives_at_destination": data.lives_at_destination,
        "has_destination_housing": data.has_destination_housing,
        "has_destination_homestead": data.has_destination_homestead,
        "has_destination_contracted_land": data.has_destination_contracted_land,
        "facts": {},
        "created_at": now,
    }


def _hukou_facts(m: MemberInput) -> dict[str, Any]:
    """What a ledger said of the hukou, kept as the facts a completed case would set."""
    if m.hukou_status == "moved":
        return {
            "hukou_moved": True,
            "hukou_moved_on": m.hukou_moved_on.isoformat() if m.hukou_moved_on else None,
            "hukou_address": m.hukou_address,
            "imported": True,
        }
    if m.hukou_status == "kept":
        return {"hukou_moved": False, "hukou_kept": True, "imported": True}
    return {}


def _ledger_facts(m: MemberInput) -> dict[str, Any]:
    """A ledger's ethnicity and the person's own phone, kept with the person."""
    return {k: v for k, v in (("ethnicity", m.ethnicity), ("phone", m.phone)) if v}


def _person_row(m: MemberInput, household_id: int) -> dict[str, Any]:
    parsed = parse_id_number(m.id_number)
    name = m.name.strip()
    return {
        "household_id": household_id,
        "id_number": parsed.number,
        "name": name,
        "name_initials": initials(name)[:40],
        "sex": parsed.sex,
        "birth_date": parsed.birth_date,
        "relation": m.relation,
        "party_status": m.party_status,
        "collective_member": m.collective_member,
        "pension_status": m.pension_status,
        "medical_insurance": m.medical_insurance,
        "assistance": m.assistance,
        "registered_poor": m.registered_poor,
        "facts": {**_hukou_facts(m), **_ledger_facts(m)},
    }


def _insert(
    accepted: Sequence[HouseholdInput],
    *,
    actor: User | None,
    now: datetime,
    channel: str,
    data: dict[str, Any],
) -> list[int]:
    """Households, their members and their `registered` events: one statement each."""
    ids = list(
        db.session.scalars(
            insert(Household).returning(Household.id, sort_by_parameter_order=True),
            [_household_row(item, now) for item in accepted],
        ).all()
    )
    pairs = list(zip(ids, accepted, strict=True))
    person_t, event_t = table_of(Person), table_of(HouseholdEvent)
    db.session.execute(
        insert(person_t), [_person_row(m, hid) for hid, item in pairs for m in item.members]
    )
    actor_id = actor.id if actor is not None else None
    events = [
        {
            "household_id": hid,
            "at": now,
            "actor_id": actor_id,
            "kind": "registered",
            "channel": channel,
            "data": {**data, "members": len(item.members)},
        }
        for hid, item in pairs
    ]
    db.session.execute(insert(event_t), events)
    return ids


def register_many(
    items: Sequence[HouseholdInput],
    *,
    actor: User | None,
    now: datetime,
    channel: str,
    data: dict[str, Any] | None = None,
    destinations: Destinations | None = None,
) -> list[int | dict[str, str]]:
    """For each item, the new household's id or its field errors (nothing written).

    `actor` None is the system (the command line). `data` is kept on each household's
    `registered` event (an import records its batch). `destinations` widens where the
    actor may register (an import by a township or county office).
    """
    if channel not in REGISTRATION_CHANNELS:
        raise ValueError(f"unknown registration channel {channel!r}")
    known = dict(registered_people(_numbers(items), actor))
    places = Places(items)
    results: list[int | dict[str, str]] = []
    accepted: list[int] = []
    for index, item in enumerate(items):
        errors = validate_household(
            item, actor=actor, registered=known, places=places, destinations=destinations
        )
        results.append(errors)
        if errors:
            continue
        accepted.append(index)
        for m in item.members:  # a later item of this call may not claim them again
            known[parse_id_number(m.id_number).number] = Registered(0, m.name.strip(), True)
    if accepted:
        ids = _insert(
            [items[i] for i in accepted], actor=actor, now=now, channel=channel, data=data or {}
        )
        for index, hid in zip(accepted, ids, strict=True):
            results[index] = hid
        # Standing monitoring: an uninsured or lapsed member gets the medical agency's
        # follow-up at once, whichever door registered the household.
        open_monitoring_cases(ids, actor=actor, now=now)
    return results


def register(data: HouseholdInput, *, actor: User | None, now: datetime, channel: str) -> Household:
    """Register one household; HouseholdError (field errors) when it may not be."""
    (result,) = register_many([data], actor=actor, now=now, channel=channel)
    if isinstance(result, dict):
        raise HouseholdError(result)
    household = db.session.get(Household, result)
    if household is None:  # pragma: no cover - inserted a moment ago in this transaction
        raise RuntimeError("registered household not found")
    return household
