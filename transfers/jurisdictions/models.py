"""Jurisdictions as a tree with materialized paths, and resettlement sites."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from transfers.extensions import Model
from workflows.roles import Level


class Jurisdiction(Model):
    __tablename__ = "jurisdiction"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction.id"))
    # "41/4112/411221/411221100/": "within mine" is one prefix range on this column.
    path: Mapped[str] = mapped_column(String(120), unique=True)
    # The office's telephone, printed on the receipt (受理回执) for residents to call.
    phone: Mapped[str] = mapped_column(String(32), default="", server_default="")

    parent: Mapped[Jurisdiction | None] = relationship(remote_side=[id])

    __table_args__ = (
        Index(
            "ix_jurisdiction_path_pattern",
            "path",
            postgresql_ops={"path": "varchar_pattern_ops"},
        ),
    )

    @property
    def level_enum(self) -> Level:
        return Level(self.level)

    @property
    def full_name(self) -> str:
        names: list[str] = []
        node: Jurisdiction | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))

    def __repr__(self) -> str:
        return f"<Jurisdiction {self.code} {self.name}>"


class Site(Model):
    """A resettlement site (安置点) in a village or community."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # centralized (集中) / scattered (分散)
    address: Mapped[str] = mapped_column(String(200))

    jurisdiction: Mapped[Jurisdiction] = relationship()

    KIND_LABELS = {"centralized": "集中安置", "scattered": "分散安置"}

    @property
    def kind_label(self) -> str:
        return self.KIND_LABELS.get(self.kind, self.kind)
