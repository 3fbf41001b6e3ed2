"""A procedure's state machine, asked and never fired.

The `transitions.Machine` of a procedure is the one place that says which triggers
exist in which state, where each goes and under which conditions: an action is a
trigger with one transition per destination, its branches first (each with its own
condition) and its plain destination last. Conditions are `Guard`s, given to the
machine as `conditions=` or `unless=`, and receive the event (`send_event=True`) whose
`kwargs["ctx"]` is the rules' `Context`.

The machine holds no model: a case's state lives in the database. Asking it follows
what transitions itself does for `may_<trigger>()`: build the event for the state and
trigger, and check each transition's conditions in order; the first that passes is the
destination. A guard that fails gives its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from transitions import EventData, Machine, Transition

from workflows.context import Context
from workflows.errors import InvalidAction
from workflows.i18n import N_
from workflows.i18n import gettext as _

UNMET = N_("该操作的条件不满足")  # a failing condition that gives no reason of its own


@dataclass(frozen=True)
class Guard:
    """A condition on a transition, and the reason given when it stops the action.

    `reason` is the Chinese source text (marked with N_), translated when shown.
    """

    test: Callable[[Context], bool]
    reason: str = ""

    def __call__(self, event: EventData) -> bool:
        ctx: Context = event.kwargs["ctx"]
        return bool(self.test(ctx))


def build_machine(
    states: Sequence[str], initial: str, transitions: Sequence[dict[str, Any]]
) -> Machine:
    """The procedure's machine: no model, no auto transitions, conditions see the event."""
    return Machine(
        model=None,
        states=list(states),
        transitions=list(transitions),
        initial=initial,
        auto_transitions=False,
        send_event=True,
    )


def ways(machine: Machine, state: str, trigger: str) -> list[Transition]:
    """The transitions `trigger` may take from `state`, in the order they are tried."""
    return machine.get_transitions(trigger, source=state)


def _event(machine: Machine, state: str, trigger: str, ctx: Context) -> EventData:
    return EventData(
        machine.get_state(state), machine.events[trigger], machine, None, (), {"ctx": ctx}
    )


def refusal(transition: Transition, event: EventData) -> str | None:
    """The reason the first failing condition of `transition` gives ("" when it gives
    none); None when all its conditions pass."""
    for condition in transition.conditions:
        if not condition.check(event):
            reason = condition.func.reason if isinstance(condition.func, Guard) else ""
            return _(reason) if reason else ""
    return None


def action_refusal(machine: Machine, state: str, trigger: str, ctx: Context) -> str | None:
    """Why the action's own conditions stop it now (None: it may be offered). They are
    those of its plain destination, the last transition, which carries no branch's."""
    last = ways(machine, state, trigger)[-1]
    return refusal(last, _event(machine, state, trigger, ctx))


def destination(machine: Machine, state: str, trigger: str, ctx: Context) -> str:
    """Where `trigger` takes a case in `state`: the first transition whose conditions
    all hold. Raises InvalidAction with the reason of the plain destination otherwise."""
    event = _event(machine, state, trigger, ctx)
    reason = ""
    for transition in ways(machine, state, trigger):
        refused = refusal(transition, event)
        if refused is None and transition.dest is not None:
            return transition.dest
        reason = refused or ""
    raise InvalidAction(reason or _(UNMET))
