"""What a correction (更正登记) may change, and each change described for people to read:
the field's label, the old and the new value (ID numbers masked), and whether the
procedures' rules read that field (then open cases are flagged for review)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from transfers.extensions import db
from transfers.households.models import (
    ASSISTANCE_STATUS,
    MEDICAL_STATUS,
    PARTY_STATUS,
    PENSION_STATUS,
    SETTLEMENT_MODES,
    Household,
    Person,
)
from transfers.jurisdictions.models import Site
from workflows.i18n import N_
from workflows.i18n import gettext as _
from workflows.idcard import InvalidIdNumber, mask_id_number, parse_id_number


@dataclass(frozen=True)
class MemberCorrection:
    person_id: int
    name: str
    id_number: str
    relation: str
    party_status: str
    collective_member: bool
    pension_status: str
    medical_insurance: str
    assistance: str
    registered_poor: bool


@dataclass(frozen=True)
class HouseholdCorrection:
    reason: str
    settlement_mode: str
    site_id: int | None
    moved_on: date | None
    address: str
    phone: str
    lives_at_destination: bool
    has_destination_housing: bool
    has_destination_homestead: bool
    has_destination_contracted_land: bool
    members: tuple[MemberCorrection, ...]


def correction_from(
    household: Household,
    reason: str,
    changes: dict[str, Any],
    members: dict[int, dict[str, Any]],
) -> HouseholdCorrection:
    """A correction from only what changes (the API's body): every field not given keeps
    its registered value. `members`: person id -> that member's changed fields. A person
    id not of this household is refused (HouseholdError, nothing changed)."""
    from transfers.households.validation import HouseholdError

    people = {p.id: p for p in household.members}
    if unknown := sorted(set(members) - set(people)):
        raise HouseholdError(
            {"members": _("本户没有编号为%(ids)s的成员", ids="、".join(map(str, unknown)))}
        )
    rows = tuple(
        MemberCorrection(
            person_id=p.id,
            **{f: members.get(p.id, {}).get(f, getattr(p, f)) for f in MEMBER_FIELDS},
        )
        for p in household.members
    )
    kept = {f: changes.get(f, getattr(household, f)) for f in HOUSEHOLD_FIELDS}
    return HouseholdCorrection(reason=reason, members=rows, **kept)


# field -> (label, the rules read it)
HOUSEHOLD_FIELDS = {
    "settlement_mode": (N_("安置方式"), True),
    "site_id": (N_("安置点"), True),
    "moved_on": (N_("搬迁入住日期"), True),
    "address": (N_("现住址"), False),
    "phone": (N_("联系电话"), False),
    "lives_at_destination": (N_("已在安置地实际居住"), True),
    "has_destination_housing": (N_("在安置地有农村住房"), True),
    "has_destination_homestead": (N_("在安置地有宅基地"), True),
    "has_destination_contracted_land": (N_("在安置地有承包地"), True),
}
MEMBER_FIELDS = {
    "name": (N_("姓名"), False),
    "id_number": (N_("身份证号码"), True),  # the date of birth and sex come from it
    "relation": (N_("与户主关系"), True),
    "party_status": (N_("政治面貌"), True),
    "collective_member": (N_("迁出地集体经济组织成员"), True),
    "pension_status": (N_("养老保险"), True),
    "medical_insurance": (N_("医疗保险"), True),
    "assistance": (N_("社会救助"), True),
    "registered_poor": (N_("建档立卡/监测对象"), True),
}
CHOICES: dict[str, dict[str, str]] = {
    "settlement_mode": SETTLEMENT_MODES,
    "party_status": PARTY_STATUS,
    "pension_status": PENSION_STATUS,
    "medical_insurance": MEDICAL_STATUS,
    "assistance": ASSISTANCE_STATUS,
}


@dataclass(frozen=True)
class Change:
    person_id: int | None  # None: the household itself
    person: str  # the member's name before the correction ("" for the household)
    field: str
    label: str
    old: str
    new: str
    rule_fact: bool

    def text(self) -> str:
        """The change in the words kept on a case's timeline (stored, like the
        engine's own notes, in the registration's language)."""
        return f"{self.person}{self.label}由“{self.old}”改为“{self.new}”"

    def as_json(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "field": self.field,
            "label": self.label,
            "old": self.old,
            "new": self.new,
        }


def _shown(field: str, value: Any) -> str:
    """A value as people read it (the Chinese label: the catalog translates it)."""
    if value is None or value == "":
        return N_("（空）")
    if isinstance(value, bool):
        return N_("是") if value else N_("否")
    if field == "id_number":
        return mask_id_number(str(value))
    if field == "site_id":
        site = db.session.get(Site, value)
        return site.name if site else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return CHOICES.get(field, {}).get(str(value), str(value))


def normalized(field: str, value: Any) -> Any:
    if field == "id_number":
        try:
            return parse_id_number(str(value)).number
        except InvalidIdNumber:
            return value
    if field in ("name", "address", "phone"):
        return str(value).strip()
    if field == "site_id":
        return value or None
    return value


def household_changes(household: Household, data: HouseholdCorrection) -> list[Change]:
    return _changes(household, data, HOUSEHOLD_FIELDS, None)


def member_changes(person: Person, m: MemberCorrection) -> list[Change]:
    return _changes(person, m, MEMBER_FIELDS, person)


def _changes(
    registered: Household | Person,
    corrected: HouseholdCorrection | MemberCorrection,
    fields: dict[str, tuple[str, bool]],
    person: Person | None,
) -> list[Change]:
    """The fields whose corrected value differs from the registered one; `person` is the
    member corrected (None: the household itself)."""
    person_id, person_name = (person.id, person.name) if person is not None else (None, "")
    changes = []
    for name, (label, rule_fact) in fields.items():
        old, new = getattr(registered, name), normalized(name, getattr(corrected, name))
        if old != new:
            old_shown, new_shown = _shown(name, old), _shown(name, new)
            changes.append(
                Change(person_id, person_name, name, label, old_shown, new_shown, rule_fact)
            )
    return changes
