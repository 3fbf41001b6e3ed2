"""What the API answers: marshmallow schemas dumped by flask-smorest's `response`
straight from the model objects (and the OpenAPI document's response schemas).

The one object that is not a model is `CaseDetail`: a case as one user sees it, with
its open task, the actions that user may take now and its timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import fields

from transfers.api import fields as f
from transfers.api.fields import ChineseSchema
from transfers.auth.models import User
from transfers.cases.models import Case, Event
from transfers.db import utcnow
from transfers.deadlines.services import work_calendar
from transfers.engine import build_context, open_task
from transfers.tasks.models import Task
from transfers.tasks.permissions import can_act
from workflows.base import Action, Context
from workflows.calendar import DeadlineStatus, deadline_status, local_date
from workflows.idcard import mask_name
from workflows.roles import Role


def _deadline(task: Task) -> DeadlineStatus | None:
    if not task.is_open:
        return None
    return deadline_status(task.due_on, local_date(utcnow()), work_calendar())


class JurisdictionOut(ChineseSchema):
    id = f.Int(required=True)
    code = f.Str(required=True)
    name = f.Str(required=True)
    level = f.Str(required=True)
    path = f.Str(required=True)
    parent_code = fields.Function(lambda j: j.parent.code if j.parent else None, allow_none=True)


class JurisdictionList(ChineseSchema):
    items = f.List(f.Nested(JurisdictionOut), required=True)


class GrantOut(ChineseSchema):
    role = f.Str(required=True)
    role_label = fields.Function(lambda g: Role(g.role).label, required=True)
    jurisdiction_code = f.Str(attribute="jurisdiction.code", required=True)
    jurisdiction_name = f.Str(attribute="jurisdiction.name", required=True)


class MeOut(ChineseSchema):
    id = f.Int(required=True)
    username = f.Str(required=True)
    display_name = f.Str(required=True)
    grants = f.List(f.Nested(GrantOut), required=True)


class PersonOut(ChineseSchema):
    id = f.Int(required=True)
    household_id = f.Int(required=True)
    name: fields.Field[Any] = f.Str(required=True)  # masked in lists (PersonListItem)
    id_number_masked = f.Str(
        attribute="masked_id",
        required=True,
        metadata={"description": "First 6 and last 4 characters visible"},
    )
    sex = f.Str(required=True, metadata={"description": "M or F"})
    birth_date = f.Date(required=True)
    relation = f.Str(required=True)
    party_status = f.Str(required=True)
    collective_member = f.Bool(required=True)
    pension_status = f.Str(required=True)
    medical_insurance = f.Str(required=True)
    assistance = f.Str(required=True)
    registered_poor = f.Bool(required=True)
    hukou_moved = fields.Function(
        lambda p: moved if isinstance(moved := (p.facts or {}).get("hukou_moved"), bool) else None,
        allow_none=True,
        metadata={"type": "boolean"},
    )


class PageOut(ChineseSchema):
    """A page of a list (Flask-SQLAlchemy's pagination)."""

    page = f.Int(required=True)
    per_page = f.Int(required=True)
    total = f.Int(required=True)


class PersonListItem(PersonOut):
    """A person in a list: the name masked as in the web's lists (王*国); the person's own
    record (`GET /persons/{id}`) gives the full name."""

    name = fields.Function(
        lambda p: mask_name(p.name),
        required=True,
        metadata={"type": "string", "description": "Masked name (王*国)"},
    )


class PersonList(PageOut):
    items = f.List(f.Nested(PersonListItem), required=True)


class HouseholdOut(ChineseSchema):
    id = f.Int(required=True)
    origin_code = f.Str(attribute="origin.code", required=True)
    origin_name = f.Str(attribute="origin.full_name", required=True)
    destination_code = f.Str(attribute="destination.code", required=True)
    destination_name = f.Str(attribute="destination.full_name", required=True)
    settlement_mode = f.Str(required=True)
    site_id = f.Int(allow_none=True)
    site_name = fields.Function(
        lambda h: h.site.name if h.site else None, allow_none=True, metadata={"type": "string"}
    )
    moved_on = f.Date(allow_none=True)
    scope = f.Str(attribute="scope.value", required=True)
    members = f.List(f.Nested(PersonOut), required=True)


class HouseholdListItem(HouseholdOut):
    """A household in a list: its members' names masked (`GET /households/{id}` gives
    them in full)."""

    members = f.List(f.Nested(PersonListItem), required=True)


class HouseholdList(PageOut):
    items = f.List(f.Nested(HouseholdListItem), required=True)


class CaseSummary(ChineseSchema):
    id = f.Int(required=True)
    procedure = f.Str(required=True)
    procedure_label = f.Str(attribute="workflow.label", required=True)
    state = f.Str(required=True)
    state_label = f.Str(required=True)
    outcome = f.Str(allow_none=True)
    version = f.Int(required=True, metadata={"description": "Send it back when acting"})
    household_id = f.Int(required=True)
    person_id = f.Int(allow_none=True)
    subject = fields.Function(
        lambda c: mask_name(c.subject_name),
        required=True,
        metadata={"type": "string", "description": "Masked name"},
    )
    receipt_no = fields.Function(
        lambda c: c.intake.receipt_no if c.intake else None,
        allow_none=True,
        metadata={"type": "string"},
    )
    opened_at = f.DateTime(required=True)
    closed_at = f.DateTime(allow_none=True)


class CaseList(PageOut):
    items = f.List(f.Nested(CaseSummary), required=True)


class IntakeOut(ChineseSchema):
    receipt_no = f.Str(required=True)
    household_id = f.Int(required=True)
    cases = f.List(f.Nested(CaseSummary), required=True)


class EventOut(ChineseSchema):
    id = f.Int(required=True)
    at = f.DateTime(required=True)
    kind = f.Str(required=True)
    kind_label = f.Str(required=True)
    action = f.Str(required=True)
    from_state = f.Str(allow_none=True)
    to_state = f.Str(allow_none=True)
    reason = f.Str(required=True)
    actor = fields.Function(
        lambda e: e.actor.display_name if e.actor else None,
        allow_none=True,
        metadata={"type": "string"},
    )
    data = fields.Function(lambda e: e.data or {}, required=True, metadata={"type": "object"})


class TaskOut(ChineseSchema):
    id = f.Int(required=True)
    case_id = f.Int(required=True)
    procedure = f.Str(required=True)
    state = f.Str(required=True)
    state_label = fields.Function(
        lambda t: t.case.workflow.state(t.state).label, required=True, metadata={"type": "string"}
    )
    role = f.Str(required=True)
    role_label = f.Str(required=True)
    jurisdiction_code = f.Str(attribute="jurisdiction.code", required=True)
    jurisdiction_name = f.Str(attribute="jurisdiction.name", required=True)
    due_on = f.Date(allow_none=True)
    light = fields.Function(
        lambda t: str(s.light) if (s := _deadline(t)) else None,
        allow_none=True,
        metadata={"type": "string", "description": "green / yellow / red; null when closed"},
    )
    status_text = fields.Function(
        lambda t: s.text if (s := _deadline(t)) else None,
        allow_none=True,
        metadata={"type": "string"},
    )
    claimed_by = fields.Function(
        lambda t: t.claimed_by.display_name if t.claimed_by else None,
        allow_none=True,
        metadata={"type": "string"},
    )
    closed_at = f.DateTime(allow_none=True)
    case_version = f.Int(attribute="case.version", required=True)
    subject = fields.Function(
        lambda t: mask_name(t.case.subject_name), required=True, metadata={"type": "string"}
    )


class TaskList(PageOut):
    items = f.List(f.Nested(TaskOut), required=True)


class ChoiceOut(ChineseSchema):
    value = fields.Function(lambda c: c[0], required=True, metadata={"type": "string"})
    label = fields.Function(lambda c: c[1], required=True, metadata={"type": "string"})


class FieldOut(ChineseSchema):
    name = f.Str(required=True)
    label = f.Str(required=True)
    kind = f.Str(required=True)
    required = f.Bool(required=True)
    choices = f.List(f.Nested(ChoiceOut), required=True)


class ActionOut(ChineseSchema):
    action = f.Str(required=True)
    label = f.Str(required=True)
    # `fields` is a Schema attribute: the field is declared under another name.
    fields_ = f.List(f.Nested(FieldOut), attribute="fields", data_key="fields", required=True)


class RecordRow(ChineseSchema):
    label = fields.Function(lambda row: row[0], required=True, metadata={"type": "string"})
    value = fields.Function(lambda row: row[1], required=True, metadata={"type": "string"})


class CaseOut(CaseSummary):
    record = f.List(f.Nested(RecordRow), required=True)
    task = f.Nested(TaskOut, allow_none=True)
    actions = f.List(
        f.Nested(ActionOut),
        required=True,
        metadata={"description": "What the caller may do now (empty when not the caller's turn)"},
    )
    timeline = f.List(f.Nested(EventOut), attribute="events", required=True)


@dataclass(frozen=True)
class OfferedField:
    """An action's field with its choices for this case."""

    name: str
    label: str
    kind: str
    required: bool
    choices: list[tuple[str, str]]


@dataclass(frozen=True)
class OfferedAction:
    action: str
    label: str
    fields: list[OfferedField]

    @classmethod
    def of(cls, action: Action, ctx: Context) -> OfferedAction:
        offered = [
            OfferedField(x.name, x.label, x.kind, x.required, x.resolve_choices(ctx))
            for x in action.fields
        ]
        return cls(action.trigger, action.label, offered)


class CaseDetail:
    """A case as `user` sees it (dumped by CaseOut): the case's own attributes, its
    recorded data as rows, its open task, the actions the user may take now."""

    def __init__(self, case: Case, user: User):
        self.case = case
        self.task = open_task(case)
        self.record = case.workflow.describe(case.data or {})
        self.actions: list[OfferedAction] = []
        if can_act(user, self.task):
            ctx = build_context(case, utcnow())
            available = case.workflow.available_actions(case.state, ctx)
            self.actions = [OfferedAction.of(a, ctx) for a in available]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.case, name)

    @property
    def events(self) -> list[Event]:
        return list(self.case.events)


class LookupRow(ChineseSchema):
    no = f.Int(required=True)
    procedure = f.Str(required=True)
    member = f.Str(required=True)
    step = f.Str(required=True)
    closed = f.Bool(required=True)
    light = fields.Function(
        lambda r: str(r["status"].light) if r["status"] else None,
        allow_none=True,
        metadata={"type": "string"},
    )
    status_text = fields.Function(
        lambda r: r["status"].text if r["status"] else None,
        allow_none=True,
        metadata={"type": "string"},
    )
    opened_on = fields.Function(
        lambda r: local_date(r["opened_on"]).isoformat(),
        required=True,
        metadata={"type": "string", "format": "date"},
    )
    state = f.Str(
        required=True,
        metadata={
            "description": "in_progress, correction (需补正), paused (暂停计时), waiting, "
            "closed_on_time or closed_late"
        },
    )
    state_text = f.Str(required=True)
    office = fields.Function(
        lambda r: str(r["office"] or ""),
        required=True,
        metadata={"type": "string", "description": "The office on the open step"},
    )
    due_on = f.Date(allow_none=True)
    bring = f.List(f.Str(), required=True, metadata={"description": "What to bring (需补正)"})


class LookupOut(ChineseSchema):
    items = f.List(f.Nested(LookupRow), required=True)
