"""What the user settles in the preview, applied to the whole file before checking it
again: a village chosen for a place name, 安置点 created from the ledger's column (by
an administrator), another sheet of the workbook."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from transfers.auth.models import User
from transfers.extensions import db
from transfers.imports.models import ImportBatch
from transfers.jurisdictions.models import Site
from workflows.i18n import gettext as _
from workflows.roles import Role


class ChoiceError(ValueError):
    """A choice the preview did not offer (nothing is changed)."""


def confirm_places(batch: ImportBatch, picked: Mapping[str, int]) -> int:
    """Map place names as written to one of their candidates; returns how many.

    Only a candidate offered for that very name is accepted."""
    offered = {p["text"]: {c["id"] for c in p["candidates"]} for p in batch.place_problems}
    choices = dict(batch.place_choices)
    for text, village_id in picked.items():
        if village_id not in offered.get(text, set()):
            raise ChoiceError(_("“%(name)s”的选择无效，请从候选中选择", name=text))
        choices[text] = village_id
    batch.place_choices = choices
    return len(picked)


def may_create_sites(user: User | None) -> bool:
    """安置点 named in a ledger are created only on an administrator's word."""
    return user is None or user.has_role(Role.ADMIN)


def create_sites(batch: ImportBatch, actor: User | None, picked: Iterable[int]) -> list[Site]:
    """Create the 安置点 the preview listed as unknown (by their index in the list)."""
    if not may_create_sites(actor):
        raise ChoiceError(_("只有系统管理员可以新建安置点"))
    wanted = sorted(set(picked))
    if not wanted or any(i < 0 or i >= len(batch.new_sites) for i in wanted):
        raise ChoiceError(_("请选择要新建的安置点"))
    sites = [
        Site(
            jurisdiction_id=batch.new_sites[i]["destination_id"],
            name=batch.new_sites[i]["name"][:64],
            kind="centralized",
            address="",
        )
        for i in wanted
    ]
    db.session.add_all(sites)
    db.session.flush()
    return sites
