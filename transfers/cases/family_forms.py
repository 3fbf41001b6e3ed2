"""The family form: one row per member (what to do, the member's own fields, the case
version) and the fields filled once for everyone, built from the procedure's actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField

from transfers.cases.family import FamilyAction, MemberDecision, MemberStep
from transfers.cases.forms import form_field
from transfers.forms import ChineseForm, select_choices
from workflows.i18n import gettext as translate


class FamilyForm(ChineseForm):
    # The cases the form was rendered for: a change meanwhile is told, not guessed.
    cases = HiddenField()


def member_key(step: MemberStep, name: str) -> str:
    """The form name of a member's own field (also the key of its refusal)."""
    return f"m{step.case.id}_{name}"


def family_form_class(action: FamilyAction, steps: Sequence[MemberStep]) -> type[FamilyForm]:
    attrs: dict[str, Any] = {}
    if steps:
        for f in action.shared_fields():
            attrs[f.name] = form_field(f, steps[0].ctx)
    decisions = [(a.trigger, translate(a.label)) for a in action.actions()]
    for step in steps:
        attrs[member_key(step, "decision")] = SelectField(
            _l("办理"), choices=select_choices(decisions + [("", _l("暂不办理"))])
        )
        attrs[member_key(step, "version")] = HiddenField()
        for act_ in action.actions():
            for f in act_.fields:
                if f.name in action.member_fields:
                    attrs[member_key(step, f.name)] = form_field(f, step.ctx)
    return type(f"Family{action.procedure.title()}Form", (FamilyForm,), attrs)


def initial_data(
    steps: Sequence[MemberStep],
    shared: Mapping[str, Any],
    members: Mapping[int, Mapping[str, Any]],
) -> dict[str, Any]:
    """The form's first values: the shared ones, each member's row and case version."""
    data = dict(shared)
    data["cases"] = ",".join(str(s.case.id) for s in steps)
    for step in steps:
        data[member_key(step, "version")] = str(step.case.version)
        for name, value in members[step.case.id].items():
            data[member_key(step, name)] = value
    return data


def decisions_from(
    action: FamilyAction, steps: Sequence[MemberStep], form: Mapping[str, Any]
) -> list[MemberDecision]:
    """Each member's decision as submitted: the action's fields, a member's own from
    its row and the others from the shared part (raw, as the engine takes them)."""
    decisions = []
    for step in steps:
        trigger = form.get(member_key(step, "decision")) or ""
        data: dict[str, Any] = {}
        if trigger in action.triggers:
            for f in action.workflow.action(trigger, action.state).fields:
                key = member_key(step, f.name) if f.name in action.member_fields else f.name
                data[f.name] = form.get(key)
        try:
            seen: int | None = int(form.get(member_key(step, "version")) or -1)
        except ValueError:
            seen = -1
        decisions.append(MemberDecision(step.case.id, trigger, seen, data))
    return decisions


__all__ = ["FamilyForm", "decisions_from", "family_form_class", "initial_data", "member_key"]
