"""Printable documents of a case (Chinese, A4): which exist for a case and their templates.

The receipt (受理回执) belongs to an intake and the publicity notice (公示) to a vote
session; documents issued for one case are listed here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from transfers.cases.models import Case
from workflows.i18n import N_


@dataclass(frozen=True)
class Printable:
    key: str
    label: Callable[[Case], str]
    template: str
    available: Callable[[Case], bool]


PRINTABLES: dict[str, list[Printable]] = {
    "assistance": [
        Printable(
            key="jurisdiction_transfer",
            label=lambda case: str(
                (case.data or {}).get("document_label") or N_("管辖迁移通知（函）")
            ),
            template="cases/print_assistance_transfer.html",
            available=lambda case: bool((case.data or {}).get("document_no")),
        )
    ],
}


def printables_for(case: Case) -> list[Printable]:
    return [p for p in PRINTABLES.get(case.procedure, []) if p.available(case)]


def printable(case: Case, key: str) -> Printable | None:
    return next((p for p in printables_for(case) if p.key == key), None)
