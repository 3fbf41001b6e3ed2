"""Procedures as data: states, actions (transitions), acting roles, limits and rules.

Each procedure module builds one `Procedure` at import. Its `transitions.Machine`
(`workflows.machine`) is the one place that says which actions exist in which state,
where each goes and under which conditions; deciding an action asks that machine and
changes nothing (no model is ever bound to it, least of all a database row).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from transitions import Machine

from workflows.calendar import Limit
from workflows.context import Context, RelatedCase
from workflows.errors import InvalidAction, RuleViolation, WorkflowError
from workflows.facts import CaseFacts, HouseholdFacts, PersonFacts
from workflows.fields import Choices, Field, FieldKind, Offer, clean, today
from workflows.i18n import gettext as _
from workflows.machine import Guard, action_refusal, build_machine, destination, ways
from workflows.roles import Role

__all__ = [
    "Action",
    "Branch",
    "CaseFacts",
    "Choices",
    "Context",
    "Coverage",
    "Decision",
    "Field",
    "FieldKind",
    "Guard",
    "HouseholdFacts",
    "InvalidAction",
    "Move",
    "Offer",
    "PersonFacts",
    "Procedure",
    "RETURN",
    "RelatedCase",
    "RuleViolation",
    "State",
    "WorkflowError",
    "clean",
    "end",
    "send_back",
    "step",
    "today",
]

Side = Literal["origin", "destination"]


@dataclass(frozen=True)
class Branch:
    """An alternative destination, taken when `condition(ctx)` holds (tried in order,
    before the action's own destination)."""

    condition: Callable[[Context], bool]
    dest: str


@dataclass(frozen=True)
class Action:
    trigger: str
    source: str
    dest: str
    label: str
    fields: tuple[Field, ...] = ()
    validate: Callable[[Context], Mapping[str, str]] | None = None
    record: Callable[[Context], Mapping[str, Any]] | None = None
    person_facts: Callable[[Context], Mapping[str, Any]] | None = None
    branches: tuple[Branch, ...] = ()
    style: Literal["primary", "secondary", "danger", "warning"] = "primary"
    system: bool = False  # fired by the engine (dependency re-evaluation), not by a user
    # The action's conditions, given to the machine: all of `when` must hold and none
    # of `unless`; the first that stops it gives its reason.
    when: tuple[Guard, ...] = ()
    unless: tuple[Guard, ...] = ()
    confirm: str = ""
    # Policy violations to put on the record (e.g. an assistance payment gap).
    violations: Callable[[Context], Sequence[Mapping[str, Any]]] | None = None

    def transitions(self) -> list[dict[str, Any]]:
        """This action as machine transitions: each branch, then the plain destination."""
        common = {"trigger": self.trigger, "source": self.source, "unless": list(self.unless)}
        branches = [
            {**common, "dest": b.dest, "conditions": [*self.when, Guard(b.condition)]}
            for b in self.branches
        ]
        return [*branches, {**common, "dest": self.dest, "conditions": list(self.when)}]


@dataclass(frozen=True)
class State:
    name: str
    label: str
    role: Role | None = None  # who acts while the case waits here; None for final states
    side: Side = "destination"
    limit: Limit | None = None
    final: bool = False
    outcome_label: str = ""
    waits_on: str = ""  # procedure this state waits for (no task; re-evaluated by engine)
    # A due date the case's own data sets (e.g. the recorded end of a publicity period),
    # instead of the time-limit table's; None when the data does not say.
    due: Callable[[Mapping[str, Any]], date | None] | None = None

    def due_from(self, case_data: Mapping[str, Any]) -> date | None:
        return self.due(case_data) if self.due is not None else None

    @property
    def waiting(self) -> bool:
        return self.role is not None


def step(
    name: str,
    label: str,
    role: Role,
    side: Side,
    limit: Limit,
    due: Callable[[Mapping[str, Any]], date | None] | None = None,
) -> State:
    """A state where the case waits for `role` (on the `side` of the move) to act within
    `limit`."""
    return State(name, label, role=role, side=side, limit=limit, due=due)


def end(name: str, label: str, outcome: str) -> State:
    """A final state, and what it means for the person (`outcome`)."""
    return State(name, label, final=True, outcome_label=outcome)


@dataclass(frozen=True)
class Coverage:
    """Where a closed case leaves the person covered (五个不变).

    `gap` non-empty means closing would leave the person without the right: refused.
    """

    where: str
    gap: str = ""


@dataclass(frozen=True)
class Decision:
    action: Action
    source: str
    dest: str
    final: bool
    outcome: str | None
    record: Mapping[str, Any]
    person_facts: Mapping[str, Any]
    violations: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Move:
    """One way out of a state, as the machine has it (for the diagram)."""

    action: Action
    dest: str
    conditional: bool  # taken only when a condition holds


RETURN_REASON = Field("reason", "退回原因", "textarea", max_length=500)
# The trigger of every way back (退回): the engine marks the step it reopens.
RETURN = "return"


def send_back(source: str, dest: str, label: str) -> Action:
    """The action that returns a case from `source` to an earlier step, saying why."""
    return Action(RETURN, source, dest, label, fields=(RETURN_REASON,), style="warning")


class Procedure:
    """One transfer procedure: its states, actions and the shared state machine."""

    def __init__(
        self,
        name: str,
        label: str,
        states: Sequence[State],
        actions: Sequence[Action],
        initial: str,
        per: Literal["person", "household"] = "person",
        depends_on: Sequence[str] = (),
        description: str = "",
        applies: Callable[[Context], tuple[bool, str]] | None = None,
        data_labels: Mapping[str, str] | None = None,
        hidden_data: Sequence[str] = (),
        coverage: Callable[[str, Context], Coverage] | None = None,
        dependency_status: Callable[[Context], str] | None = None,
    ):
        self.name = name
        self.label = label
        self.per = per
        self.depends_on = tuple(depends_on)
        self.description = description
        self.initial = initial
        self._applies = applies
        self._coverage = coverage
        self._dependency_status = dependency_status
        self._hidden = set(hidden_data)
        self._labels, self._choice_labels = _data_labels(actions, data_labels or {})
        self.states: dict[str, State] = {s.name: s for s in states}
        self.actions: list[Action] = list(actions)
        self._by_key: dict[tuple[str, str], Action] = {}
        for a in self.actions:
            if a.source not in self.states or a.dest not in self.states:
                raise ValueError(f"{name}: {a.trigger} links unknown states")
            if (a.trigger, a.source) in self._by_key:
                raise ValueError(f"{name}: duplicate action {a.trigger} from {a.source}")
            self._by_key[(a.trigger, a.source)] = a
        for s in self.states.values():
            if s.final and s.role:
                raise ValueError(f"{name}: final state {s.name} cannot wait for a role")
        self.machine: Machine = build_machine(
            list(self.states), initial, [t for a in self.actions for t in a.transitions()]
        )
        self._order = {key: i for i, key in enumerate(self._by_key)}  # declaration order

    # --- questions -------------------------------------------------------------------
    def applies(self, ctx: Context) -> tuple[bool, str]:
        """Whether a person (or household) needs this procedure, and why (for intake)."""
        if self._applies is None:
            return True, ""
        return self._applies(ctx)

    def describe(self, data: Mapping[str, Any]) -> list[tuple[str, str]]:
        """A case's recorded data as (label, value) rows for people to read."""
        rows = []
        for key, value in data.items():
            if key in self._hidden or value in (None, "") or key not in self._labels:
                continue
            if isinstance(value, bool):
                text = "是" if value else "否"
            else:
                text = self._choice_labels.get(key, {}).get(str(value), str(value))
            rows.append((self._labels[key], text))
        return rows

    def coverage(self, final_state: str, ctx: Context) -> Coverage:
        """Where closing in `final_state` leaves the person (五个不变); a gap refuses the close."""
        if self._coverage is None:
            return Coverage(self.states[final_state].outcome_label)
        return self._coverage(final_state, ctx)

    def dependency_status(self, ctx: Context) -> str:
        """What this case derives from the cases it depends on (shown when they change)."""
        return self._dependency_status(ctx) if self._dependency_status else ""

    def state(self, name: str) -> State:
        try:
            return self.states[name]
        except KeyError:
            raise InvalidAction(_("未知状态：%(name)s", name=name)) from None

    def action(self, trigger: str, source: str) -> Action:
        """The action `trigger` names in state `source`, if the machine has it there."""
        if source not in self.states or trigger not in self.machine.get_triggers(source):
            label = self.states[source].label if source in self.states else source
            raise InvalidAction(_("当前环节（%(label)s）不能执行该操作", label=_(label)))
        return self._by_key[(trigger, source)]

    def actions_in(self, state: str) -> list[Action]:
        """The actions the machine has in `state`, in the order they were declared."""
        keys = sorted(
            ((t, state) for t in self.machine.get_triggers(state)), key=self._order.__getitem__
        )
        return [self._by_key[key] for key in keys]

    def has_system_actions(self, state: str) -> bool:
        """Whether the system may act in `state` (a routing or waiting state)."""
        return any(a.system for a in self.actions_in(state))

    def available_actions(self, state: str, ctx: Context, *, system: bool = False) -> list[Action]:
        """The actions of `state` whose own conditions hold now (user or system ones)."""
        return [
            a
            for a in self.actions_in(state)
            if a.system == system and action_refusal(self.machine, state, a.trigger, ctx) is None
        ]

    def moves(self, state: str) -> list[Move]:
        """Every way out of `state` the machine knows, action by action."""
        moves = []
        for a in self.actions_in(state):
            *branches, plain = ways(self.machine, state, a.trigger)
            moves += [Move(a, t.dest, True) for t in branches if t.dest is not None]
            moves += [Move(a, plain.dest, False)] if plain.dest is not None else []
        return moves

    def possible_dests(self, action: Action) -> list[str]:
        return [m.dest for m in self.moves(action.source) if m.action is action]

    # --- the decision ------------------------------------------------------------------
    def decide(self, state: str, trigger: str, raw: Mapping[str, Any], ctx: Context) -> Decision:
        """Validate an action against the policy and return where the case goes.

        Raises InvalidAction (no such action in this state, or a condition of the
        machine stops it, with its reason) or RuleViolation (bad data, facts that forbid
        it). Pure: nothing is changed.
        """
        action = self.action(trigger, state)
        refused = action_refusal(self.machine, state, trigger, ctx)
        if refused is not None:
            raise InvalidAction(
                refused or _("当前情况下不能执行“%(label)s”", label=_(action.label))
            )
        values, errors = clean(action.fields, raw, ctx)
        ctx = ctx.with_data(values)
        if not errors and action.validate is not None:
            errors.update(action.validate(ctx))
        if errors:
            raise RuleViolation(errors)
        dest = destination(self.machine, state, trigger, ctx)
        record = dict(action.record(ctx)) if action.record else dict(values)
        facts = PersonFacts.check_recorded(action.person_facts(ctx) if action.person_facts else {})
        if self.states[dest].final and self._coverage is not None:
            merged = {**ctx.case_data, **record}
            covered = self.coverage(
                dest, Context(ctx.facts, values, merged, ctx.related, ctx.today)
            )
            if covered.gap:
                raise RuleViolation({"coverage": covered.gap})
            record["coverage"] = covered.where
        return Decision(
            action=action,
            source=state,
            dest=dest,
            final=self.states[dest].final,
            outcome=dest if self.states[dest].final else None,
            record=record,
            person_facts=facts,
            violations=tuple(action.violations(ctx)) if action.violations else (),
        )


def _data_labels(
    actions: Sequence[Action], extra: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The label of each recorded datum, and the labels of fixed choices' values."""
    labels: dict[str, str] = {}
    choice_labels: dict[str, dict[str, str]] = {}
    for a in actions:
        for f in a.fields:
            labels.setdefault(f.name, f.label)
            if f.kind == "choice" and f.offers is None:
                choice_labels.setdefault(f.name, dict(f.choices))
    labels["coverage"] = "权益保障去向"
    labels.update(extra)
    return labels, choice_labels
