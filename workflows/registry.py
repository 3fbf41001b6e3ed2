"""All procedures by name. The engine and the web look procedures up here."""

from __future__ import annotations

from workflows import assistance, collective_membership, hukou, medical, party, pension
from workflows.base import Procedure

PROCEDURES: dict[str, Procedure] = {
    p.name: p
    for p in (
        hukou.PROCEDURE,
        party.PROCEDURE,
        collective_membership.PROCEDURE,
        pension.PROCEDURE,
        medical.PROCEDURE,
        assistance.PROCEDURE,
    )
}


def get_procedure(name: str) -> Procedure:
    try:
        return PROCEDURES[name]
    except KeyError:
        raise KeyError(f"unknown procedure {name!r}") from None


def dependents_of(name: str) -> list[str]:
    """Procedures that list `name` in depends_on (re-evaluated when it changes)."""
    return [p.name for p in PROCEDURES.values() if name in p.depends_on]
