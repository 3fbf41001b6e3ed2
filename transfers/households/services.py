"""Registering households and their members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pypinyin import Style, lazy_pinyin
from sqlalchemy import select

from transfers.auth.models import User
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.jurisdictions.models import Jurisdiction, Site
from workflows.i18n import gettext as _
from workflows.idcard import InvalidIdNumber, parse_id_number
from workflows.roles import Level


def initials(name: str) -> str:
    """Pinyin initials for search: 张三丰 -> zsf."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()


@dataclass
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


class HouseholdError(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("；".join(errors.values()))


def validate_members(members: list[MemberInput]) -> dict[str, str]:
    """Field errors keyed like the form ("members-0-id_number")."""
    errors: dict[str, str] = {}
    seen: dict[str, int] = {}
    heads = 0
    for i, m in enumerate(members):
        key = f"members-{i}-"
        if not m.name.strip():
            errors[key + "name"] = _("请填写姓名")
        try:
            number = parse_id_number(m.id_number).number
        except InvalidIdNumber as e:
            errors[key + "id_number"] = str(e)
            continue
        if number in seen:
            errors[key + "id_number"] = _("与第%(n)s位成员的身份证号码重复", n=seen[number] + 1)
        seen[number] = i
        existing = db.session.scalar(select(Person).where(Person.id_number == number))
        if existing is not None:
            errors[key + "id_number"] = _(
                "该身份证号码已登记在%(name)s名下，不能重复登记", name=existing.name
            )
        if m.relation == "户主":
            heads += 1
    if members and heads != 1:
        errors["members"] = _("每户须有且只有一位户主")
    if not members:
        errors["members"] = _("请至少登记一位家庭成员")
    return errors


def register_household(
    *,
    origin: Jurisdiction,
    destination: Jurisdiction,
    site: Site | None,
    settlement_mode: str,
    members: list[MemberInput],
    actor: User,
    now: datetime,
    moved_on: date | None = None,
    **facts: Any,
) -> Household:
    """Create a household with its members; every ID number checked (GB 11643)."""
    errors = validate_members(members)
    for label, j in (("origin", origin), ("destination", destination)):
        if j.level != Level.VILLAGE:
            errors[label] = _("迁出地和迁入地须选择到村（社区）一级")
    if settlement_mode not in ("centralized", "scattered"):
        errors["settlement_mode"] = _("请选择安置方式")
    if settlement_mode == "centralized" and site is None:
        errors["site_id"] = _("集中安置须选择安置点")
    if site is not None and site.jurisdiction_id != destination.id:
        errors["site_id"] = _("安置点不在所选迁入地村（社区）")
    if errors:
        raise HouseholdError(errors)
    household = Household(
        origin=origin,
        destination=destination,
        site=site,
        settlement_mode=settlement_mode,
        moved_on=moved_on,
        has_destination_housing=bool(facts.pop("has_destination_housing", False)),
        lives_at_destination=bool(facts.pop("lives_at_destination", True)),
        has_destination_homestead=bool(facts.pop("has_destination_homestead", False)),
        has_destination_contracted_land=bool(facts.pop("has_destination_contracted_land", False)),
        address=str(facts.pop("address", "") or ""),
        phone=str(facts.pop("phone", "") or ""),
        facts=facts,
        created_at=now,
    )
    for m in members:
        parsed = parse_id_number(m.id_number)
        household.members.append(
            Person(
                id_number=parsed.number,
                name=m.name.strip(),
                name_initials=initials(m.name.strip()),
                sex=parsed.sex,
                birth_date=parsed.birth_date,
                relation=m.relation,
                party_status=m.party_status,
                collective_member=m.collective_member,
                pension_status=m.pension_status,
                medical_insurance=m.medical_insurance,
                assistance=m.assistance,
                registered_poor=m.registered_poor,
                facts={},
            )
        )
    db.session.add(household)
    db.session.flush()
    return household
