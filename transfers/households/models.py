"""Relocated households (搬迁户) and their members."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from transfers.auth.models import User
from transfers.db import JSONType, UTCDateTime, utcnow
from transfers.extensions import Model
from transfers.jurisdictions.models import Jurisdiction, Site
from workflows.i18n import N_
from workflows.idcard import mask_id_number, mask_name
from workflows.scope import Scope, relocation_scope

SETTLEMENT_MODES = {"centralized": N_("集中安置"), "scattered": N_("分散安置")}
RELATIONS = [
    N_("户主"),
    N_("配偶"),
    N_("子"),
    N_("女"),
    N_("父亲"),
    N_("母亲"),
    N_("孙子"),
    N_("孙女"),
    N_("儿媳"),
    N_("女婿"),
    N_("兄弟姐妹"),
    N_("其他"),
]
PARTY_STATUS = {"none": N_("非党员"), "full": N_("正式党员"), "probationary": N_("预备党员")}
PENSION_STATUS = {"contributing": N_("参保缴费"), "receiving": N_("领取待遇"), "none": N_("未参保")}
MEDICAL_STATUS = {
    "resident": N_("城乡居民医保"),
    "employee": N_("职工医保"),
    "none": N_("未参保"),
    "lapsed": N_("断保/停保未续保"),
}
ASSISTANCE_STATUS = {
    "none": N_("无"),
    "dibao_rural": N_("农村低保"),
    "dibao_urban": N_("城市低保"),
    "tekun": N_("特困供养"),
}


class Household(Model):
    __tablename__ = "household"

    id: Mapped[int] = mapped_column(primary_key=True)
    origin_jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction.id"), index=True)
    destination_jurisdiction_id: Mapped[int] = mapped_column(
        ForeignKey("jurisdiction.id"), index=True
    )
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    settlement_mode: Mapped[str] = mapped_column(String(16))
    moved_on: Mapped[date | None] = mapped_column(Date)
    # Facts behind the hukou options (docs/policy.md §1).
    has_destination_housing: Mapped[bool] = mapped_column(Boolean, default=False)
    lives_at_destination: Mapped[bool] = mapped_column(Boolean, default=True)
    has_destination_homestead: Mapped[bool] = mapped_column(Boolean, default=False)
    has_destination_contracted_land: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    facts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    origin: Mapped[Jurisdiction] = relationship(foreign_keys=[origin_jurisdiction_id])
    destination: Mapped[Jurisdiction] = relationship(foreign_keys=[destination_jurisdiction_id])
    site: Mapped[Site | None] = relationship()
    members: Mapped[list[Person]] = relationship(
        back_populates="household", order_by="Person.id", cascade="all, delete-orphan"
    )

    @property
    def scope(self) -> Scope:
        return relocation_scope(self.origin.path, self.destination.path)

    @property
    def head(self) -> Person | None:
        for p in self.members:
            if p.relation == "户主":
                return p
        return self.members[0] if self.members else None

    @property
    def settlement_label(self) -> str:
        return SETTLEMENT_MODES.get(self.settlement_mode, self.settlement_mode)


class Person(Model):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    name_initials: Mapped[str] = mapped_column(String(40), default="", index=True)
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(Date)
    relation: Mapped[str] = mapped_column(String(16))
    party_status: Mapped[str] = mapped_column(String(16), default="none")
    collective_member: Mapped[bool] = mapped_column(Boolean, default=False)
    pension_status: Mapped[str] = mapped_column(String(16), default="contributing")
    medical_insurance: Mapped[str] = mapped_column(String(16), default="resident")
    assistance: Mapped[str] = mapped_column(String(16), default="none")
    registered_poor: Mapped[bool] = mapped_column(Boolean, default=False)
    # What completed procedures established (hukou moved, memberships...).
    facts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    household: Mapped[Household] = relationship(back_populates="members")

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def sex_label(self) -> str:
        return "男" if self.sex == "M" else "女"


REGISTRATION_CHANNELS = {
    "form": N_("登记表"),
    "api": N_("数据接口"),
    "import": N_("台账导入"),
    "system": N_("系统"),
}


class HouseholdEvent(Model):
    """Append-only record of what happened to a household itself (its registration:
    who, when, through which door); a case's own history is in `event`."""

    __tablename__ = "household_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    household: Mapped[Household] = relationship()
    actor: Mapped[User | None] = relationship()

    @property
    def channel_label(self) -> str:
        return REGISTRATION_CHANNELS.get(self.channel, self.channel)
