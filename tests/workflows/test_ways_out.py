"""No case that can never close: for every procedure that depends on another, for every
end the other case may reach, and for the people it is opened for, some sequence of
actions the rules accept leads from the first step to an end state.

The explorer tries each action of a state with data built from its fields (every choice,
today's date, this and the next month, a number, a text), as a clerk would fill the
form, and lets time pass between steps (a publicity period, a payment month)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any

import pytest

from workflows.base import Action, Procedure
from workflows.context import Context, RelatedCase
from workflows.errors import WorkflowError
from workflows.registry import PROCEDURES

START = date(2026, 11, 2)
STEP = timedelta(days=61)

# The people each procedure is opened for, as the household page proposes it.
PROFILES: dict[str, list[dict[str, Any]]] = {
    "assistance": [{"assistance": kind} for kind in ("dibao_rural", "dibao_urban", "tekun")],
    "pension": [
        {"pension_status": status, "birth_date": born}
        for status in ("contributing", "receiving")
        for born in ("1950-05-01", "1985-05-01")
    ],
    "party": [{"party_status": status} for status in ("full", "probationary")],
}
SCOPES = ("same_county", "same_city", "same_province", "cross_province")


def _month(day: date) -> str:
    return f"{day:%Y-%m}"


def _candidates(field: Any, ctx: Context) -> list[Any]:
    if field.kind == "choice":
        return [value for value, _label in field.resolve_choices(ctx)] or [""]
    if field.kind == "date":
        return [ctx.today.isoformat()]
    if field.kind == "month":
        last = ctx.today.replace(day=1) - timedelta(days=1)
        return [_month(ctx.today), _month(last), _month(ctx.today + timedelta(days=31))]
    if field.kind == "int":
        return ["1", "30"]
    if field.kind == "bool":
        return ["y", ""]
    return ["x1"]


def _forms(action: Action, ctx: Context) -> Iterator[dict[str, Any]]:
    names = [f.name for f in action.fields]
    options = [_candidates(f, ctx) for f in action.fields]
    for combo in itertools.islice(itertools.product(*options), 400):
        yield dict(zip(names, combo, strict=True))


def _reaches_an_end(procedure: Procedure, facts: Mapping[str, Any], related: RelatedCase) -> bool:
    seen: set[str] = set()
    frontier = [(procedure.initial, {}, START)]
    while frontier:
        state, case_data, today = frontier.pop()
        if procedure.state(state).final:
            return True
        if state in seen:
            continue
        seen.add(state)
        ctx = Context(facts, case_data=case_data, related={related.procedure: related}, today=today)
        for action in procedure.actions_in(state):
            for form in _forms(action, ctx):
                try:
                    decision = procedure.decide(state, action.trigger, form, ctx)
                except WorkflowError:
                    continue
                frontier.append((decision.dest, {**case_data, **decision.record}, today + STEP))
    return False


def _cases() -> Iterator[Any]:
    for name, procedure in PROCEDURES.items():
        for dependency in procedure.depends_on:
            other = PROCEDURES[dependency]
            ends = [s.name for s in other.states.values() if s.final]
            for end, profile, scope in itertools.product(ends, PROFILES.get(name, [{}]), SCOPES):
                if not procedure.applies(Context({"scope": scope, **profile}, today=START))[0]:
                    continue  # not proposed for this person
                yield pytest.param(
                    name, dependency, end, profile, scope, id=f"{name}-{dependency}:{end}-{scope}"
                )


@pytest.mark.parametrize(("name", "dependency", "end", "profile", "scope"), list(_cases()))
def test_every_case_can_close_whatever_its_dependency_became(
    name: str, dependency: str, end: str, profile: dict[str, Any], scope: str
) -> None:
    procedure = PROCEDURES[name]
    facts = {"scope": scope, **profile}
    related = RelatedCase(dependency, end, end, {})
    assert _reaches_an_end(procedure, facts, related), (
        f"{name} for {profile} can never close once {dependency} ended in {end}"
    )
