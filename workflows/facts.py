"""The facts a rule may read, as frozen dataclasses (never string keys).

The engine gathers a case's facts as one flat mapping: the household's (its site and
both ends of the move), the person's columns, and what completed procedures recorded in
the person's `facts` JSON (`Decision.person_facts`). `CaseFacts.of` sorts that mapping
into `HouseholdFacts` and `PersonFacts`; a key neither declares, or a value of the wrong
type, is refused with `FactError`, so a typo never becomes data. `None` means "not
known" and leaves the field at its default.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeAlias, get_type_hints


class FactError(TypeError):
    """A fact the rules do not know, or a value of the wrong type (a programming error)."""


@dataclass(frozen=True, kw_only=True)
class HouseholdFacts:
    """The household, its site and both ends of its move."""

    settlement_mode: str = ""  # "centralized" or "scattered"
    site_kind: str = ""
    site_address: str = ""
    site_name: str = ""
    has_destination_housing: bool = False
    lives_at_destination: bool = False
    has_destination_homestead: bool = False
    has_destination_contracted_land: bool = False
    destination_name: str = ""
    destination_code: str = ""
    destination_township_name: str = ""
    origin_name: str = ""
    origin_code: str = ""
    moved_on: str = ""  # ISO date
    scope: str = ""  # a workflows.scope.Scope value


@dataclass(frozen=True, kw_only=True)
class PersonFacts:
    """A person: their registered columns, then what completed procedures recorded."""

    relation: str = ""
    party_status: str = ""
    collective_member: bool = False
    pension_status: str = ""
    medical_insurance: str = ""
    assistance: str = ""
    registered_poor: bool = False
    birth_date: str = ""  # ISO date
    # Kept from a ledger import (no rule reads them yet).
    ethnicity: str = ""
    phone: str = ""
    # Recorded by completed procedures (or by an import of earlier work).
    imported: bool = False
    hukou_moved: bool = False
    hukou_kept: bool = False
    hukou_moved_on: str = ""
    hukou_address: str = ""
    hukou_option: str = ""
    residence_permit: bool = False
    party_relation_moved: bool = False
    party_organization: str = ""
    party_relation_moved_on: str = ""
    destination_collective_member: bool = False
    destination_membership_from: str = ""
    origin_membership_ended_on: str = ""
    pension_transferred: bool = False
    medical_transferred: bool = False
    medical_enrolled_on: str = ""
    assistance_transferred: bool = False

    @classmethod
    def check_recorded(cls, recorded: Mapping[str, Any]) -> dict[str, Any]:
        """What a procedure records about a person, refused if a key or type is wrong."""
        return _typed(cls, recorded, _PERSON_KINDS)


def _kinds(cls: type) -> dict[str, tuple[type, ...]]:
    """Each field's accepted runtime types (the members of its annotation)."""
    hints = get_type_hints(cls)
    kinds: dict[str, tuple[type, ...]] = {}
    for f in fields(cls):
        hint = hints[f.name]
        members = hint.__args__ if isinstance(hint, types.UnionType) else (hint,)
        kinds[f.name] = tuple(m for m in members if m is not type(None))
    return kinds


_HOUSEHOLD_KINDS = _kinds(HouseholdFacts)
_PERSON_KINDS = _kinds(PersonFacts)
if set(_HOUSEHOLD_KINDS) & set(_PERSON_KINDS):  # pragma: no cover - a definition error
    raise AssertionError("a fact cannot be both a household and a person fact")


def _refuse_unknown(key: str, known: Iterable[str]) -> FactError:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return FactError(f"unknown fact {key!r}{hint}")


def _typed(
    cls: type, values: Mapping[str, Any], kinds: Mapping[str, tuple[type, ...]]
) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for key, value in values.items():
        if key not in kinds:
            raise _refuse_unknown(key, kinds)
        if value is None:
            continue
        accepted = kinds[key]
        # bool is an int; a flag must not pass for a number, nor a number for a flag.
        if not isinstance(value, accepted) or (isinstance(value, bool) and bool not in accepted):
            names = " | ".join(t.__name__ for t in accepted)
            raise FactError(
                f"fact {key!r} of {cls.__name__} should be {names}, not {type(value).__name__}"
            )
        checked[key] = value
    return checked


@dataclass(frozen=True)
class CaseFacts:
    """Everything a case's rules know about its household and its person."""

    household: HouseholdFacts = field(default_factory=HouseholdFacts)
    person: PersonFacts = field(default_factory=PersonFacts)

    @classmethod
    def from_mapping(cls, flat: Mapping[str, Any]) -> CaseFacts:
        """Sort the engine's flat mapping into household and person facts."""
        household: dict[str, Any] = {}
        person: dict[str, Any] = {}
        for key, value in flat.items():
            if key in _HOUSEHOLD_KINDS:
                household[key] = value
            elif key in _PERSON_KINDS:
                person[key] = value
            else:
                raise _refuse_unknown(key, [*_HOUSEHOLD_KINDS, *_PERSON_KINDS])
        return cls(
            HouseholdFacts(**_typed(HouseholdFacts, household, _HOUSEHOLD_KINDS)),
            PersonFacts(**_typed(PersonFacts, person, _PERSON_KINDS)),
        )

    @classmethod
    def of(cls, facts: FactsLike) -> CaseFacts:
        """`facts` as CaseFacts (a plain mapping is converted and checked)."""
        return facts if isinstance(facts, CaseFacts) else cls.from_mapping(facts)


FactsLike: TypeAlias = CaseFacts | Mapping[str, Any]
