"""All procedures by name. The engine and the web look procedures up here."""

from __future__ import annotations

from workflows import hukou
from workflows.base import Procedure

PROCEDURES: dict[str, Procedure] = {p.name: p for p in (hukou.PROCEDURE,)}


def get_procedure(name: str) -> Procedure:
    try:
        return PROCEDURES[name]
    except KeyError:
        raise KeyError(f"unknown procedure {name!r}") from None
