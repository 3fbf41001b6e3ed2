"""Counts behind a site's page: residents, households, full party members, origins."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, distinct, func, select

from transfers.cases.models import Case
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.jurisdictions.models import Site
from workflows.base import RelatedCase
from workflows.party import NAME as PARTY
from workflows.party import voting_rights
from workflows.sites import SiteProfile, profile


def is_rural(site: Site) -> bool:
    """A site in a village (村) is rural; one in a community (社区) is urban."""
    return not site.jurisdiction.name.endswith("社区")


@dataclass(frozen=True)
class MemberRow:
    person: Person
    transferred: bool
    voting: str


def _people_at(site: Site, *conditions: ColumnElement[bool]) -> int:
    """How many people of the site's households meet every condition."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Person)
            .join(Household, Person.household_id == Household.id)
            .where(Household.site_id == site.id, *conditions)
        )
        or 0
    )


def site_profile(site: Site) -> tuple[SiteProfile, int]:
    """The site's derived organization, and how many origin villages its people come from."""
    households = (
        db.session.scalar(
            select(func.count()).select_from(Household).where(Household.site_id == site.id)
        )
        or 0
    )
    residents = _people_at(site)
    full_members = _people_at(site, Person.party_status == "full")
    origins = (
        db.session.scalar(
            select(func.count(distinct(Household.origin_jurisdiction_id))).where(
                Household.site_id == site.id
            )
        )
        or 0
    )
    single_village = origins == 1
    return profile(residents, households, full_members, single_village, is_rural(site)), origins


def party_members(site: Site) -> list[MemberRow]:
    """Party members living at the site and where they vote (docs/policy.md §2)."""
    people = db.session.scalars(
        select(Person)
        .join(Household, Person.household_id == Household.id)
        .where(Household.site_id == site.id, Person.party_status.in_(("full", "probationary")))
        .order_by(Person.id)
    ).all()
    rows = []
    for p in people:
        case = db.session.scalars(
            select(Case)
            .where(Case.person_id == p.id, Case.procedure == PARTY)
            .order_by(Case.id.desc())
        ).first()
        related = (
            RelatedCase(case.procedure, case.state, case.outcome, dict(case.data or {}))
            if case
            else None
        )
        facts = {
            "party_status": p.party_status,
            "origin_name": p.household.origin.name,
            **(p.facts or {}),
        }
        transferred = bool(facts.get("party_relation_moved")) or (
            related is not None and related.outcome == "transferred"
        )
        rows.append(MemberRow(p, transferred, voting_rights(facts, related)))
    return rows
