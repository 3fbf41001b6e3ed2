"""Procedures as data: states, actions (transitions), acting roles, limits and rules.

Each procedure module builds one `Procedure` at import. The procedure owns one shared
`transitions.Machine(model=None, auto_transitions=False)`; deciding an action fires the
machine on a small transient token initialised with the case's current state, never on
a database row, so concurrent requests never share machine state.
"""

from __future__ import annotations

import queue
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from transitions import Machine, MachineError

from workflows.calendar import Limit
from workflows.i18n import gettext as _
from workflows.roles import Role

Side = Literal["origin", "destination"]
FieldKind = Literal["text", "textarea", "date", "month", "choice", "bool", "int"]


class WorkflowError(Exception):
    """Base class of errors a user can be shown."""


class InvalidAction(WorkflowError):
    """The action does not exist in the case's current state."""


class RuleViolation(WorkflowError):
    """The action exists but the data or facts do not satisfy the policy."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("；".join(self.errors.values()))


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


@dataclass(frozen=True)
class Context:
    """Everything a rule may look at. Built by the engine, read by pure functions."""

    facts: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)
    case_data: Mapping[str, Any] = field(default_factory=dict)
    related: Mapping[str, RelatedCase] = field(default_factory=dict)
    today: date = field(default_factory=date.today)

    def with_data(self, data: Mapping[str, Any]) -> Context:
        return Context(self.facts, data, self.case_data, self.related, self.today)


Choices = Sequence[tuple[str, str]] | Callable[[Context], Sequence[tuple[str, str]]]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: FieldKind = "text"
    required: bool = True
    choices: Choices = ()
    help: str = ""
    max_length: int = 200
    default: Callable[[Context], Any] | None = None

    def resolve_choices(self, ctx: Context) -> list[tuple[str, str]]:
        return list(self.choices(ctx) if callable(self.choices) else self.choices)


@dataclass(frozen=True)
class Branch:
    """An alternative destination, taken when `condition(ctx)` holds."""

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
    available: Callable[[Context], bool] | None = None
    confirm: str = ""
    # Policy violations to put on the record (e.g. an assistance payment gap).
    violations: Callable[[Context], Sequence[Mapping[str, Any]]] | None = None


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

    @property
    def waiting(self) -> bool:
        return self.role is not None


@dataclass(frozen=True)
class Coverage:
    """Where a closed case leaves the person covered (五个不变, docs/policy.md "Across procedures").

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


class _Token:
    """Transient holder of a state for one firing of the shared machine."""

    def __init__(self) -> None:
        self.state: str = ""


def clean(fields: Iterable[Field], raw: Mapping[str, Any], ctx: Context) -> tuple[dict, dict]:
    """Coerce raw form/API values to JSON-friendly values; return (values, errors).

    Dates become ISO strings, months "YYYY-MM", booleans bool, ints int.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in fields:
        value = raw.get(f.name)
        if isinstance(value, str):
            value = value.strip()
        empty = value is None or value == "" or (f.kind == "bool" and value in (False,))
        if f.kind == "bool":
            values[f.name] = value in (True, "y", "on", "true", "1", 1, "yes")
            if f.required and not values[f.name]:
                errors[f.name] = _("请确认“%(label)s”", label=_(f.label))
            continue
        if empty:
            if f.required:
                errors[f.name] = _("请填写“%(label)s”", label=_(f.label))
            else:
                values[f.name] = None
            continue
        try:
            values[f.name] = _coerce(f, value, ctx)
        except ValueError as e:
            errors[f.name] = str(e)
    return values, errors


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def _coerce(f: Field, value: Any, ctx: Context) -> Any:
    if f.kind in ("text", "textarea"):
        text = str(value)
        if len(text) > f.max_length:
            raise ValueError(_("“%(label)s”不能超过%(n)s个字", label=_(f.label), n=f.max_length))
        return text
    if f.kind == "int":
        try:
            number = int(str(value))
        except ValueError:
            raise ValueError(_("“%(label)s”应为整数", label=_(f.label))) from None
        if number < 0:
            raise ValueError(_("“%(label)s”不能为负数", label=_(f.label)))
        return number
    if f.kind == "date":
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError(_("“%(label)s”日期格式应为 2026-11-27", label=_(f.label))) from None
    if f.kind == "month":
        m = _MONTH.match(str(value))
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(_("“%(label)s”月份格式应为 2026-11", label=_(f.label)))
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    if f.kind == "choice":
        allowed = dict(f.resolve_choices(ctx))
        if str(value) not in allowed:
            raise ValueError(_("“%(label)s”的选项无效", label=_(f.label)))
        return str(value)
    raise ValueError(f"unknown field kind {f.kind}")  # pragma: no cover


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
        self._labels: dict[str, str] = {}
        self._choice_labels: dict[str, dict[str, str]] = {}
        for a in actions:
            for f in a.fields:
                self._labels.setdefault(f.name, f.label)
                if f.kind == "choice" and not callable(f.choices):
                    self._choice_labels.setdefault(f.name, dict(f.choices))
        self._labels["coverage"] = "权益保障去向"
        self._labels.update(data_labels or {})
        self.states: dict[str, State] = {s.name: s for s in states}
        self.actions: list[Action] = list(actions)
        self._by_key: dict[tuple[str, str], Action] = {}
        transitions: list[dict[str, Any]] = []
        for a in self.actions:
            if a.source not in self.states or a.dest not in self.states:
                raise ValueError(f"{name}: {a.trigger} links unknown states")
            if (a.trigger, a.source) in self._by_key:
                raise ValueError(f"{name}: duplicate action {a.trigger} from {a.source}")
            self._by_key[(a.trigger, a.source)] = a
            for b in a.branches:
                transitions.append(
                    {
                        "trigger": a.trigger,
                        "source": a.source,
                        "dest": b.dest,
                        "conditions": [_event_condition(b.condition)],
                    }
                )
            transitions.append({"trigger": a.trigger, "source": a.source, "dest": a.dest})
        for s in self.states.values():
            if s.final and s.role:
                raise ValueError(f"{name}: final state {s.name} cannot wait for a role")
        self.machine = Machine(
            model=None,
            states=list(self.states),
            transitions=transitions,
            initial=initial,
            auto_transitions=False,
            send_event=True,
        )
        self._tokens: queue.SimpleQueue[_Token] = queue.SimpleQueue()
        self._system_sources = frozenset(a.source for a in self.actions if a.system)

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
        try:
            return self._by_key[(trigger, source)]
        except KeyError:
            label = self.states[source].label if source in self.states else source
            raise InvalidAction(_("当前环节（%(label)s）不能执行该操作", label=_(label))) from None

    def has_system_actions(self, state: str) -> bool:
        """Whether the system may act in `state` (a routing or waiting state)."""
        return state in self._system_sources

    def available_actions(self, state: str, ctx: Context, *, system: bool = False) -> list[Action]:
        return [
            a
            for a in self.actions
            if a.source == state
            and a.system == system
            and (a.available is None or a.available(ctx))
        ]

    def possible_dests(self, action: Action) -> list[str]:
        return [b.dest for b in action.branches] + [action.dest]

    # --- the decision ------------------------------------------------------------------
    def decide(self, state: str, trigger: str, raw: Mapping[str, Any], ctx: Context) -> Decision:
        """Validate an action against the policy and return where the case goes.

        Raises InvalidAction (wrong state) or RuleViolation (bad data, facts that forbid
        it). Pure: nothing is changed.
        """
        action = self.action(trigger, state)
        if action.available is not None and not action.available(ctx):
            raise InvalidAction(_("当前情况下不能执行“%(label)s”", label=_(action.label)))
        values, errors = clean(action.fields, raw, ctx)
        ctx = ctx.with_data(values)
        if not errors and action.validate is not None:
            errors.update(action.validate(ctx))
        if errors:
            raise RuleViolation(errors)
        dest = self._fire(state, trigger, ctx)
        dest_state = self.states[dest]
        record = dict(action.record(ctx)) if action.record else dict(values)
        facts = dict(action.person_facts(ctx)) if action.person_facts else {}
        if dest_state.final and self._coverage is not None:
            merged = {**ctx.case_data, **record}
            covered = self.coverage(
                dest, Context(ctx.facts, values, merged, ctx.related, ctx.today)
            )
            if covered.gap:
                raise RuleViolation({"coverage": covered.gap})
            record["coverage"] = covered.where
        violations = tuple(action.violations(ctx)) if action.violations else ()
        return Decision(
            action=action,
            source=state,
            dest=dest,
            final=dest_state.final,
            outcome=dest if dest_state.final else None,
            record=record,
            person_facts=facts,
            violations=violations,
        )

    def _fire(self, state: str, trigger: str, ctx: Context) -> str:
        # Adding a model to a machine binds every trigger and state check to it, which
        # cost more than the rest of a decision; so tokens stay on the machine and are
        # reused, one per concurrent firing (the queue is thread-safe).
        try:
            token = self._tokens.get_nowait()
        except queue.Empty:
            token = _Token()
            self.machine.add_model(token, initial=state)
        try:
            self.machine.set_state(state, model=token)
            if not token.trigger(trigger, ctx=ctx):
                raise InvalidAction(_("该操作的条件不满足"))
            return token.state
        except MachineError as e:
            raise InvalidAction(str(e)) from None
        finally:
            self._tokens.put(token)


def _event_condition(cond: Callable[[Context], bool]) -> Callable[[Any], bool]:
    def check(event: Any) -> bool:
        return bool(cond(event.kwargs["ctx"]))

    return check
