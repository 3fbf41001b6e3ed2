"""The family form's door: one form for the same hukou step of a household's members.
The rules and the permission are the engine's (transfers.cases.family); this page reads
the form, shows what moved, and keeps everything typed when something is refused."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from transfers.cases.family import (
    FamilyAction,
    MemberStep,
    act_for_family,
    family_action,
    member_defaults,
    member_steps,
    offered_family_actions,
    shared_defaults,
)
from transfers.cases.family_forms import (
    FamilyForm,
    decisions_from,
    family_form_class,
    initial_data,
)
from transfers.cases.models import Case
from transfers.cases.permissions import can_view_household
from transfers.db import utcnow
from transfers.engine import RuleViolation, StaleVersion
from transfers.extensions import db
from transfers.forms import first_errors
from transfers.households.models import Household
from workflows.base import Action
from workflows.i18n import gettext as translate

bp = Blueprint("family", __name__, url_prefix="/family")

# The key of a member's refusal: m<case id>, or m<case id>_<field>.
MEMBER_KEY = re.compile(r"m(\d+)(?:_(\w+))?")


@bp.app_context_processor
def _family_links() -> dict[str, Any]:
    """`family_links(household)`: the family actions the user may take there, as
    (label, members, url), for the household page and the case page."""

    def family_links(household: Household) -> list[tuple[str, int, str]]:
        if not current_user.is_authenticated:
            return []
        return [
            (
                translate(action.label),
                n,
                url_for("family.form", household_id=household.id, key=action.key),
            )
            for action, n in offered_family_actions(household, current_user)
        ]

    return {"family_links": family_links}


def _load(household_id: int, key: str) -> tuple[Household, FamilyAction]:
    household = db.get_or_404(Household, household_id)
    if not can_view_household(current_user, household):
        abort(403)
    action = family_action(key)
    if action is None:
        abort(404)
    return household, action


def _render(
    household: Household,
    action: FamilyAction,
    steps: Sequence[MemberStep],
    form: FamilyForm,
    errors: dict[str, str] | None = None,
    *,
    changed: bool = False,
) -> str:
    errors = dict(errors or {})
    names = {f.name for f in action.shared_fields()}
    by_member: dict[int, list[str]] = {}
    for key, message in list(errors.items()):
        member = MEMBER_KEY.fullmatch(key)
        if member is None:
            continue
        by_member.setdefault(int(member[1]), []).append(message)
        if member[2] in names:  # a field filled once for everyone shows its refusal there
            errors.setdefault(member[2], message)
    return render_template(
        "cases/family_form.html",
        household=household,
        action=action,
        steps=steps,
        form=form,
        errors=errors,
        by_member=by_member,
        general=[m for k, m in errors.items() if not MEMBER_KEY.fullmatch(k) and k not in names],
        shared=[form[f.name] for f in action.shared_fields() if f.name in form],
        required={f.name for a in action.actions() for f in a.fields if f.required},
        changed=changed,
    )


def _moved_message(moved: Sequence[tuple[Case, Action]]) -> str:
    """What moved, by action: 已一并办理3人。准予落户：王建国、李秀英。退回补正：王小明。"""
    by_action: dict[str, list[str]] = {}
    for case, action in moved:
        by_action.setdefault(translate(action.label), []).append(case.subject_name)
    parts = [
        _("%(action)s：%(names)s。", action=label, names=_("、").join(names))
        for label, names in by_action.items()
    ]
    done: str = _("已一并办理%(n)s人。", n=len(moved))
    return done + "".join(parts)


@bp.route("/<int:household_id>/<key>", methods=["GET", "POST"])
@login_required
def form(household_id: int, key: str) -> ResponseReturnValue:
    household, action = _load(household_id, key)
    now = utcnow()
    steps = member_steps(household, action, current_user, now)
    form_cls = family_form_class(action, steps)
    if request.method == "GET":
        members = {s.case.id: member_defaults(action, s) for s in steps}
        data = initial_data(steps, shared_defaults(action, household, steps), members)
        return _render(household, action, steps, form_cls(data=data))
    submitted = form_cls()
    if submitted.cases.data != ",".join(str(s.case.id) for s in steps):
        # A member's case moved (or another came to this step) since the form was shown.
        flash(
            _("本户成员的办理情况已有变化，请核对下方成员后重新提交（您填写的内容已保留）"),
            "warning",
        )
        submitted.cases.data = ",".join(str(s.case.id) for s in steps)
        return _render(household, action, steps, submitted, changed=True), 409
    if not submitted.validate_on_submit():
        errors = first_errors(submitted)
        return _render(household, action, steps, submitted, errors), 422
    try:
        moved = act_for_family(
            household=household,
            action=action,
            decisions=decisions_from(action, steps, request.form),
            actor=current_user,
            now=now,
        )
        db.session.commit()
    except RuleViolation as e:
        flash(_("未办理任何成员：请按提示修改后重新提交（您填写的内容已保留）"), "danger")
        return _render(household, action, steps, submitted, e.errors), 422
    except StaleVersion as e:
        flash(str(e), "warning")
        return _render(household, action, steps, submitted, changed=True), 409
    flash(_moved_message(moved), "success")
    return redirect(url_for("households.detail", household_id=household.id), 303)


__all__ = ["bp"]
