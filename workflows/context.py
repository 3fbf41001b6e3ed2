"""What a rule may look at: the case's typed facts, its data and its related cases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflows.facts import CaseFacts, FactsLike


@dataclass(frozen=True)
class RelatedCase:
    """Another case of the same person (or household), as the rules see it."""

    procedure: str
    state: str
    outcome: str | None
    data: Mapping[str, Any]

    @property
    def closed(self) -> bool:
        return self.outcome is not None


@dataclass(frozen=True, init=False)
class Context:
    """Everything a rule may look at. Built by the engine, read by pure functions.

    `facts` may be given as the engine's flat mapping: it is converted to `CaseFacts`
    (and an unknown key refused) here, once.
    """

    facts: CaseFacts = field(default_factory=CaseFacts)
    data: Mapping[str, Any] = field(default_factory=dict)
    case_data: Mapping[str, Any] = field(default_factory=dict)
    related: Mapping[str, RelatedCase] = field(default_factory=dict)
    today: date = field(default_factory=date.today)

    def __init__(
        self,
        facts: FactsLike | None = None,
        data: Mapping[str, Any] | None = None,
        case_data: Mapping[str, Any] | None = None,
        related: Mapping[str, RelatedCase] | None = None,
        today: date | None = None,
    ) -> None:
        # A frozen dataclass sets its fields through object.__setattr__ (as its own
        # generated __init__ does).
        object.__setattr__(self, "facts", CaseFacts.of(facts if facts is not None else {}))
        object.__setattr__(self, "data", data if data is not None else {})
        object.__setattr__(self, "case_data", case_data if case_data is not None else {})
        object.__setattr__(self, "related", related if related is not None else {})
        object.__setattr__(self, "today", today if today is not None else date.today())

    def with_data(self, data: Mapping[str, Any]) -> Context:
        return Context(self.facts, data, self.case_data, self.related, self.today)

    def in_progress(self, procedure: str) -> bool:
        """Whether a case of `procedure` for the same person (or household) is open."""
        case = self.related.get(procedure)
        return case is not None and not case.closed

    @property
    def given(self) -> dict[str, Any]:
        """The action's data without the fields left empty: what a record keeps."""
        return {k: v for k, v in self.data.items() if v not in (None, "")}
