"""The rules of a household registration, the same at every door (form, API, import).

`HouseholdInput` and `MemberInput` are frozen dataclasses with explicit fields: a key
nobody defined is refused (TypeError), never stored. `validate_household` returns
field errors keyed like the web form ("members-0-id_number", "site_id"...).

An ID number registered already is named with its person only when the user may see
that household; otherwise the message is neutral, so that no door tells a clerk who is
registered outside their jurisdiction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy import ColumnElement, literal, select

from transfers.auth.models import User
from transfers.extensions import db
from transfers.field_errors import FieldErrors
from transfers.households.models import (
    ASSISTANCE_STATUS,
    MEDICAL_STATUS,
    PARTY_STATUS,
    PENSION_STATUS,
    RELATIONS,
    SETTLEMENT_MODES,
    Household,
    Person,
)
from transfers.jurisdictions.models import Jurisdiction, Site
from transfers.visibility import households_condition, user_paths
from workflows.i18n import N_
from workflows.i18n import gettext as _
from workflows.idcard import InvalidIdNumber, parse_id_number
from workflows.roles import Level, Role

HUKOU_STATUSES = ("not_moved", "moved", "kept")


@dataclass(frozen=True)
class MemberInput:
    name: str
    id_number: str
    relation: str
    party_status: str = "none"
    collective_member: bool = False
    pension_status: str = "contributing"
    medical_insurance: str = "resident"
    assistance: str = "none"
    registered_poor: bool = False
    # What a ledger says of the person's hukou (imports); the form and API leave it.
    hukou_status: str = "not_moved"
    hukou_moved_on: date | None = None
    hukou_address: str = ""
    # What a ledger keeps of the person beyond the form's fields (imports).
    ethnicity: str = ""
    phone: str = ""


#: Whether the actor may register a household bound for a destination (default: the
#: destination is one of the actor's villages; an import passes its reach).
Destinations = Callable[[Jurisdiction], bool]


@dataclass(frozen=True)
class HouseholdInput:
    origin_id: int | None
    destination_id: int | None
    settlement_mode: str
    members: tuple[MemberInput, ...]
    site_id: int | None = None
    moved_on: date | None = None
    address: str = ""
    phone: str = ""
    lives_at_destination: bool = True
    has_destination_housing: bool = False
    has_destination_homestead: bool = False
    has_destination_contracted_land: bool = False


class HouseholdError(FieldErrors):
    """A registration or correction refused, by field."""


@dataclass(frozen=True)
class Registered:
    """A person already registered, as far as the asking user may know."""

    household_id: int
    name: str
    visible: bool

    @property
    def message(self) -> str:
        if self.visible:
            return _("该身份证号码已登记在%(name)s名下，不能重复登记", name=self.name)
        return _("该身份证号码已在其他搬迁户登记")


def registered_people(numbers: Iterable[str], viewer: User | None) -> dict[str, Registered]:
    """ID number -> who holds it, for the numbers already registered (one query).

    `viewer` None is the system (the command line): it may see every household.
    """
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    return registered_matching(Person.id_number.in_(wanted), viewer)


def registered_matching(match: ColumnElement[bool], viewer: User | None) -> dict[str, Registered]:
    """ID number -> who holds it, for the registered persons `match` selects (one query;
    the ledger import matches a subquery over its staged rows)."""
    visible = literal(True) if viewer is None else households_condition(user_paths(viewer))
    rows = db.session.execute(
        select(Person.id_number, Person.household_id, Person.name, visible.label("visible"))
        .join(Household, Household.id == Person.household_id)
        .where(match)
    ).all()
    return {r.id_number: Registered(r.household_id, r.name, bool(r.visible)) for r in rows}


MAX_ID = 2**31 - 1  # the largest key a row may have; any other id names nothing


def _key(value: int | None) -> int | None:
    return value if value and 0 < value <= MAX_ID else None


class Places:
    """Jurisdictions and sites by id, loaded once per batch of registrations. An id no
    row can have (zero, negative, beyond the key range) is simply not found."""

    def __init__(self, items: Iterable[HouseholdInput] = ()) -> None:
        items = list(items)
        ids = {k for d in items for i in (d.origin_id, d.destination_id) if (k := _key(i))}
        sites = {k for d in items if (k := _key(d.site_id))}
        found = db.session.scalars(select(Jurisdiction).where(Jurisdiction.id.in_(ids)))
        self.jurisdictions: dict[int, Jurisdiction | None] = {j.id: j for j in found}
        self.sites: dict[int, Site | None] = {
            s.id: s for s in db.session.scalars(select(Site).where(Site.id.in_(sites)))
        }

    def jurisdiction(self, jid: int | None) -> Jurisdiction | None:
        return _cached(Jurisdiction, self.jurisdictions, jid)

    def site(self, site_id: int | None) -> Site | None:
        return _cached(Site, self.sites, site_id)


_Place = TypeVar("_Place", Jurisdiction, Site)


def _cached(model: type[_Place], found: dict[int, _Place | None], key: int | None) -> _Place | None:
    """The row of `model` with id `key`: from `found`, else read once and kept there."""
    if not (key := _key(key)):
        return None
    if key not in found:
        found[key] = db.session.get(model, key)
    return found[key]


def staff_villages(user: User) -> set[int]:
    """The villages (communities) a user registers households for."""
    return {g.jurisdiction_id for g in user.grants if g.role == Role.VILLAGE_STAFF}


def no_head() -> str:
    """The refusal of a household without a head, at every door."""
    return _("该户缺少户主：每户须有且只有一位户主")


def duplicate_member(n: int) -> str:
    """The refusal of an ID number given twice in one household (`n`: the member that
    has it first, counted from 1), at every door."""
    return _("与第%(n)s位成员的身份证号码重复", n=n)


def several_heads() -> str:
    """A household with several heads (户主), refused alike at every door."""
    return _("该户登记了多位户主，每户须有且只有一位户主")


def not_own_village() -> str:
    """A destination that is not one of the user's villages, refused alike at every door."""
    return _("请选择本村（社区）作为迁入地")


def _number(raw: str) -> str | None:
    try:
        return parse_id_number(raw).number
    except InvalidIdNumber:
        return None


CHOICES_TO_MAKE = {
    "party_status": N_("请选择政治面貌"),
    "pension_status": N_("请选择养老保险情况"),
    "medical_insurance": N_("请选择医疗保险情况"),
    "assistance": N_("请选择社会救助情况"),
    "hukou_status": N_("请选择户口情况"),
}


def _choice_errors(m: MemberInput, key: str) -> dict[str, str]:
    """A choice left empty is asked for by name; any other unknown value is refused."""
    errors: dict[str, str] = {}
    for field, allowed in (
        ("party_status", PARTY_STATUS),
        ("pension_status", PENSION_STATUS),
        ("medical_insurance", MEDICAL_STATUS),
        ("assistance", ASSISTANCE_STATUS),
        ("hukou_status", HUKOU_STATUSES),
    ):
        value = getattr(m, field)
        if value in allowed:
            continue
        if value == "":
            errors[key + field] = _(CHOICES_TO_MAKE[field])
        else:
            errors[key + field] = _("“%(value)s”不是有效的选项", value=value)
    return errors


def member_row(n: int, name: str) -> str:
    """How a message names the member it is about: 第2位成员（张三）, counted from 1."""
    name = name.strip()
    if name:
        return _("第%(n)s位成员（%(name)s）", n=n, name=name)
    return _("第%(n)s位成员", n=n)


def _member_errors(
    members: tuple[MemberInput, ...], registered: Mapping[str, Registered]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    seen: dict[str, int] = {}
    for i, m in enumerate(members):
        key = f"members-{i}-"
        if not m.name.strip():
            errors[key + "name"] = _("请填写姓名")
        elif len(m.name.strip()) > 40:
            errors[key + "name"] = _("姓名不能超过40个字")
        if m.relation not in RELATIONS:
            errors[key + "relation"] = _("请选择与户主关系")
        errors.update(_choice_errors(m, key))
        try:
            number = parse_id_number(m.id_number).number
        except InvalidIdNumber as e:
            errors[key + "id_number"] = str(e)
            continue
        if number in seen:
            errors[key + "id_number"] = duplicate_member(seen[number] + 1)
        seen[number] = i
        if number in registered:
            errors[key + "id_number"] = registered[number].message
    heads = sum(1 for m in members if m.relation == "户主")
    if not members:
        errors["members"] = _("请至少登记一位家庭成员")
    elif heads > 1:
        errors["members"] = several_heads()
    elif heads == 0:
        errors["members"] = no_head()
    return errors


def _place_errors(
    data: HouseholdInput, actor: User | None, places: Places, destinations: Destinations | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    origin = places.jurisdiction(data.origin_id)
    destination = places.jurisdiction(data.destination_id)
    if origin is None:
        errors["origin_id"] = _("请选择迁出地")
    elif origin.level != Level.VILLAGE:
        errors["origin_id"] = _("迁出地和迁入地须选择到村（社区）一级")
    if destination is None:
        errors["destination_id"] = _("请选择迁入地")
    elif destination.level != Level.VILLAGE:
        errors["destination_id"] = _("迁出地和迁入地须选择到村（社区）一级")
    elif actor is not None and not (
        destinations(destination) if destinations else destination.id in staff_villages(actor)
    ):
        errors["destination_id"] = not_own_village()
    if data.settlement_mode not in SETTLEMENT_MODES:
        errors["settlement_mode"] = _("请选择安置方式")
    site = places.site(data.site_id)
    if data.site_id and site is None:
        errors["site_id"] = _("找不到该安置点")
    elif data.settlement_mode == "centralized" and site is None:
        errors["site_id"] = _("集中安置须选择安置点")
    elif site is not None and destination is not None and site.jurisdiction_id != destination.id:
        errors["site_id"] = _("安置点不在所选迁入地村（社区）")
    if len(data.address) > 200:
        errors["address"] = _("现住址不能超过200个字")
    if len(data.phone) > 20:
        errors["phone"] = _("联系电话不能超过20个字符")
    return errors


def validate_household(
    data: HouseholdInput,
    *,
    actor: User | None,
    registered: Mapping[str, Registered] | None = None,
    places: Places | None = None,
    destinations: Destinations | None = None,
) -> dict[str, str]:
    """Field errors of one household; empty when it may be registered.

    `actor` None is the system; a user registers only for their own village. Pass
    `registered` (from `registered_people`) and `places` when checking many households
    at once.
    """
    if registered is None:
        numbers = [n for n in (_number(m.id_number) for m in data.members) if n]
        registered = registered_people(numbers, actor)
    errors = _member_errors(data.members, registered)
    errors.update(_place_errors(data, actor, places or Places([data]), destinations))
    return errors
