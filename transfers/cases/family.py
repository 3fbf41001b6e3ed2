"""Family actions: the same step of every member's case of one household, in one form.

A family of three relocated together has three 户口迁移 cases, one per member. The
clerk confirms how they settle (确认落户方式) for all of them at once, and the police
station approves or returns all of a household's waiting hukou steps at once. Each
case still moves through the engine's act() as its own case, with its own permission
check, rules and event.

The batch is all or nothing: a family's hukou is decided together, so if any member's
step is refused (a rule, a claim by a colleague, a case moved meanwhile) nothing of the
batch is kept and the form comes back with every member's input and the refusal named
for that member. A half-done family would leave the clerk re-submitting a form whose
other rows have gone stale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select

from transfers.auth.models import User
from transfers.cases.family_address import door_plate
from transfers.cases.models import Case
from transfers.engine import (
    InvalidAction,
    PermissionDenied,
    RuleViolation,
    act,
    build_context,
)
from transfers.extensions import db
from transfers.households.models import Household
from transfers.tasks.models import Task
from transfers.tasks.permissions import can_act
from workflows.base import Action, Context, Procedure
from workflows.i18n import N_
from workflows.i18n import gettext as _
from workflows.registry import get_procedure

# The fewest members waiting at a step for the family form to be offered.
FAMILY_MINIMUM = 2


@dataclass(frozen=True)
class FamilyAction:
    """One step taken for a whole household: the procedure and state its members' cases
    wait in, the actions a member's row may take there (or leave for later), and which
    of their fields are the member's own (the others are filled once for everyone)."""

    key: str
    procedure: str
    state: str
    triggers: tuple[str, ...]
    member_fields: tuple[str, ...]
    label: str
    prefill: Callable[[Household], dict[str, str]] | None = None

    @property
    def workflow(self) -> Procedure:
        return get_procedure(self.procedure)

    def actions(self) -> list[Action]:
        return [self.workflow.action(t, self.state) for t in self.triggers]

    def shared_fields(self) -> list[Any]:
        """The fields of the actions filled once for every member, each name once."""
        seen: dict[str, Any] = {}
        for action in self.actions():
            for f in action.fields:
                if f.name not in self.member_fields and f.name not in seen:
                    seen[f.name] = f
        return list(seen.values())


def _hukou_address(household: Household) -> dict[str, str]:
    """Building, unit and door (and a villager group) read from the household's 现住址."""
    return door_plate(household.address)


FAMILY_ACTIONS: dict[str, FamilyAction] = {
    "hukou-settle": FamilyAction(
        key="hukou-settle",
        procedure="hukou",
        state="application",
        triggers=("submit",),
        member_fields=("option",),
        label=N_("全户确认落户方式"),
        prefill=_hukou_address,
    ),
    "hukou-police": FamilyAction(
        key="hukou-police",
        procedure="hukou",
        state="police_review",
        triggers=("approve", "return"),
        member_fields=("new_address",),
        label=N_("全户派出所审核"),
    ),
}


@dataclass(frozen=True)
class MemberStep:
    """A member's case waiting at the family action's step, that the user may take."""

    case: Case
    task: Task
    ctx: Context

    @property
    def name(self) -> str:
        return self.case.subject_name


@dataclass(frozen=True)
class MemberDecision:
    """What the form says for one member: the action to take ("" leaves the case for
    later), the case version the form was rendered with, and the values typed."""

    case_id: int
    trigger: str
    seen_version: int | None
    data: Mapping[str, Any]


def family_action(key: str) -> FamilyAction | None:
    return FAMILY_ACTIONS.get(key)


def _waiting(household: Household, action: FamilyAction, actor: User) -> list[tuple[Case, Task]]:
    """The household's cases waiting at `action`'s step whose task `actor` may take
    (the same check the engine makes), in the order of the members."""
    rows = db.session.execute(
        select(Case, Task)
        .join(Task, and_(Task.case_id == Case.id, Task.closed_at.is_(None)))
        .where(
            Case.household_id == household.id,
            Case.procedure == action.procedure,
            Case.state == action.state,
            Case.closed_at.is_(None),
        )
        .order_by(Case.person_id, Case.id)
    )
    return [
        (case, task) for case, task in rows if task.state == case.state and can_act(actor, task)
    ]


def member_steps(
    household: Household, action: FamilyAction, actor: User, now: datetime
) -> list[MemberStep]:
    """The members' cases `actor` may take at `action`'s step, with their rules' context."""
    return [
        MemberStep(case, task, build_context(case, now))
        for case, task in _waiting(household, action, actor)
    ]


def offered_family_actions(household: Household, actor: User) -> list[tuple[FamilyAction, int]]:
    """The family actions `actor` may take for the household now, with how many members
    each covers; offered when at least FAMILY_MINIMUM members wait at the step."""
    offered = []
    for action in FAMILY_ACTIONS.values():
        n = len(_waiting(household, action, actor))
        if n >= FAMILY_MINIMUM:
            offered.append((action, n))
    return offered


def member_defaults(action: FamilyAction, step: MemberStep) -> dict[str, Any]:
    """A member's row as the form first shows it: the first action, each member field's
    default, and a choice with a single allowed option already chosen."""
    values: dict[str, Any] = {"decision": action.triggers[0]}
    for act_ in action.actions():
        for f in act_.fields:
            if f.name not in action.member_fields or f.name in values:
                continue
            if f.kind == "choice":
                offered = f.resolve_choices(step.ctx)
                values[f.name] = offered[0][0] if len(offered) == 1 else ""
            elif f.default is not None:
                values[f.name] = f.default(step.ctx)
    return values


def shared_defaults(
    action: FamilyAction, household: Household, steps: Sequence[MemberStep]
) -> dict[str, Any]:
    """The fields filled once for everyone: their defaults, then what the household's
    own record gives (the door plate of its 现住址)."""
    values: dict[str, Any] = {}
    if steps:
        for f in action.shared_fields():
            if f.default is not None:
                values[f.name] = f.default(steps[0].ctx)
    if action.prefill is not None:
        values.update({k: v for k, v in action.prefill(household).items() if v})
    return values


def act_for_family(
    *,
    household: Household,
    action: FamilyAction,
    decisions: Sequence[MemberDecision],
    actor: User,
    now: datetime,
) -> list[tuple[Case, Action]]:
    """Take each member's chosen step through the engine, all or nothing, in the
    caller's transaction (the caller commits). Returns the cases moved with the action
    each took.

    A refusal of any member rolls the whole batch back and raises RuleViolation whose
    keys name the member (`m<case id>` or `m<case id>_<field>`); StaleVersion from the
    engine (a case moved meanwhile) is raised as it is, after its rollback.
    """
    chosen = [d for d in decisions if d.trigger]
    if not chosen:
        raise RuleViolation({"members": _("请至少选择一名成员办理")})
    waiting = {s.case.id: s for s in member_steps(household, action, actor, now)}
    errors: dict[str, str] = {}
    moved: list[tuple[Case, Action]] = []
    for d in chosen:
        step = waiting.get(d.case_id)
        if step is None or d.trigger not in action.triggers:
            errors[f"m{d.case_id}"] = _("该成员的事项不在本环节或您无权办理，请刷新页面")
            continue
        try:
            act(
                case_id=d.case_id,
                action=d.trigger,
                actor=actor,
                seen_version=d.seen_version,
                data=dict(d.data),
                now=now,
            )
        except RuleViolation as e:
            errors.update({f"m{d.case_id}_{k}": v for k, v in e.errors.items()})
        except (InvalidAction, PermissionDenied) as e:
            errors[f"m{d.case_id}"] = str(e)
        else:
            moved.append((step.case, action.workflow.action(d.trigger, action.state)))
    if errors:
        db.session.rollback()
        raise RuleViolation(errors)
    return moved


__all__ = [
    "FAMILY_ACTIONS",
    "FAMILY_MINIMUM",
    "FamilyAction",
    "MemberDecision",
    "MemberStep",
    "act_for_family",
    "family_action",
    "member_defaults",
    "member_steps",
    "offered_family_actions",
    "shared_defaults",
]
