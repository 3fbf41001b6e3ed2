"""Request and response schemas (marshmallow): they validate input and, through apispec,
are the OpenAPI document. One definition for both, so the document cannot drift."""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from transfers.households.models import (
    ASSISTANCE_STATUS,
    MEDICAL_STATUS,
    PARTY_STATUS,
    PENSION_STATUS,
    RELATIONS,
    SETTLEMENT_MODES,
)
from workflows.registry import PROCEDURES

MAX_INT = 2**31 - 1  # identifiers are 32-bit integers in the database


def _one_of(values):  # type: ignore[no-untyped-def]
    return validate.OneOf(list(values))


class Strict(Schema):
    class Meta:
        unknown = RAISE


class Query(Schema):
    class Meta:
        unknown = EXCLUDE


class Problem(Schema):
    type = fields.Str(metadata={"description": "Problem type (a link into the reference)"})
    title = fields.Str(required=True, metadata={"description": "Summary in English"})
    title_zh = fields.Str(required=True, metadata={"description": "Summary in Chinese"})
    status = fields.Int(required=True)
    detail = fields.Str(required=True, metadata={"description": "What went wrong, in Chinese"})
    errors = fields.Dict(
        keys=fields.Str(),
        values=fields.Str(),
        metadata={"description": "Field errors (422), keyed like `members-0-id_number`"},
    )


class PageQuery(Query):
    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Int(load_default=20, validate=validate.Range(min=1, max=100))


class PageOut(Schema):
    page = fields.Int(required=True)
    per_page = fields.Int(required=True)
    total = fields.Int(required=True)


# --- jurisdictions and people --------------------------------------------------------
class JurisdictionQuery(Query):
    parent = fields.Str(
        validate=validate.Length(max=12),
        metadata={"description": "Division code of the parent; omit for the top level"},
    )


class JurisdictionOut(Schema):
    id = fields.Int(required=True)
    code = fields.Str(required=True)
    name = fields.Str(required=True)
    level = fields.Str(required=True)
    path = fields.Str(required=True)
    parent_code = fields.Str(allow_none=True)


class JurisdictionList(Schema):
    items = fields.List(fields.Nested(JurisdictionOut), required=True)


class GrantOut(Schema):
    role = fields.Str(required=True)
    role_label = fields.Str(required=True)
    jurisdiction_code = fields.Str(required=True)
    jurisdiction_name = fields.Str(required=True)


class MeOut(Schema):
    id = fields.Int(required=True)
    username = fields.Str(required=True)
    display_name = fields.Str(required=True)
    grants = fields.List(fields.Nested(GrantOut), required=True)


class MemberIn(Strict):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=40))
    id_number = fields.Str(
        required=True,
        validate=validate.Length(min=1, max=24),
        metadata={"description": "18-character resident ID number (GB 11643)"},
    )
    relation = fields.Str(required=True, validate=_one_of(RELATIONS))
    party_status = fields.Str(load_default="none", validate=_one_of(PARTY_STATUS))
    collective_member = fields.Bool(load_default=False)
    pension_status = fields.Str(load_default="contributing", validate=_one_of(PENSION_STATUS))
    medical_insurance = fields.Str(load_default="resident", validate=_one_of(MEDICAL_STATUS))
    assistance = fields.Str(load_default="none", validate=_one_of(ASSISTANCE_STATUS))
    registered_poor = fields.Bool(load_default=False)


class HouseholdIn(Strict):
    origin_code = fields.Str(required=True, validate=validate.Length(min=1, max=12))
    destination_code = fields.Str(required=True, validate=validate.Length(min=1, max=12))
    settlement_mode = fields.Str(required=True, validate=_one_of(SETTLEMENT_MODES))
    site_id = fields.Int(
        allow_none=True, load_default=None, validate=validate.Range(min=1, max=MAX_INT)
    )
    moved_on = fields.Date(allow_none=True, load_default=None)
    address = fields.Str(load_default="", validate=validate.Length(max=200))
    phone = fields.Str(load_default="", validate=validate.Length(max=20))
    lives_at_destination = fields.Bool(load_default=True)
    has_destination_housing = fields.Bool(load_default=False)
    has_destination_homestead = fields.Bool(load_default=False)
    has_destination_contracted_land = fields.Bool(load_default=False)
    members = fields.List(
        fields.Nested(MemberIn), required=True, validate=validate.Length(min=1, max=30)
    )


class PersonOut(Schema):
    id = fields.Int(required=True)
    household_id = fields.Int(required=True)
    name = fields.Str(required=True)
    id_number_masked = fields.Str(
        required=True, metadata={"description": "First 6 and last 4 characters visible"}
    )
    sex = fields.Str(required=True, metadata={"description": "M or F"})
    birth_date = fields.Date(required=True)
    relation = fields.Str(required=True)
    party_status = fields.Str(required=True)
    collective_member = fields.Bool(required=True)
    pension_status = fields.Str(required=True)
    medical_insurance = fields.Str(required=True)
    assistance = fields.Str(required=True)
    registered_poor = fields.Bool(required=True)
    hukou_moved = fields.Bool(allow_none=True)


class PersonList(PageOut):
    items = fields.List(fields.Nested(PersonOut), required=True)


class PersonQuery(PageQuery):
    id_number = fields.Str(
        validate=validate.Length(max=24), metadata={"description": "Exact ID number"}
    )
    q = fields.Str(
        validate=validate.Length(max=40), metadata={"description": "Name or pinyin initials"}
    )


class HouseholdOut(Schema):
    id = fields.Int(required=True)
    origin_code = fields.Str(required=True)
    origin_name = fields.Str(required=True)
    destination_code = fields.Str(required=True)
    destination_name = fields.Str(required=True)
    settlement_mode = fields.Str(required=True)
    site_id = fields.Int(allow_none=True)
    site_name = fields.Str(allow_none=True)
    moved_on = fields.Date(allow_none=True)
    scope = fields.Str(required=True)
    members = fields.List(fields.Nested(PersonOut), required=True)


class HouseholdList(PageOut):
    items = fields.List(fields.Nested(HouseholdOut), required=True)


class HouseholdQuery(PageQuery):
    q = fields.Str(
        validate=validate.Length(max=40),
        metadata={"description": "Name, pinyin initials, ID number or its last 4 characters"},
    )


# --- cases and tasks -----------------------------------------------------------------
class CaseRequestIn(Strict):
    person_id = fields.Int(
        allow_none=True, load_default=None, validate=validate.Range(min=1, max=MAX_INT)
    )
    procedure = fields.Str(required=True, validate=_one_of(PROCEDURES))


class IntakeIn(Strict):
    household_id = fields.Int(required=True, validate=validate.Range(min=1, max=MAX_INT))
    requests = fields.List(
        fields.Nested(CaseRequestIn), required=True, validate=validate.Length(min=1, max=40)
    )


class CaseSummary(Schema):
    id = fields.Int(required=True)
    procedure = fields.Str(required=True)
    procedure_label = fields.Str(required=True)
    state = fields.Str(required=True)
    state_label = fields.Str(required=True)
    outcome = fields.Str(allow_none=True)
    version = fields.Int(required=True, metadata={"description": "Send it back when acting"})
    household_id = fields.Int(required=True)
    person_id = fields.Int(allow_none=True)
    subject = fields.Str(required=True, metadata={"description": "Masked name"})
    receipt_no = fields.Str(allow_none=True)
    opened_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(allow_none=True)


class IntakeOut(Schema):
    receipt_no = fields.Str(required=True)
    household_id = fields.Int(required=True)
    cases = fields.List(fields.Nested(CaseSummary), required=True)


class CaseQuery(PageQuery):
    procedure = fields.Str(validate=_one_of(PROCEDURES))
    state = fields.Str(validate=validate.Length(max=40))
    open = fields.Bool(metadata={"description": "Only cases not yet closed"})


class CaseList(PageOut):
    items = fields.List(fields.Nested(CaseSummary), required=True)


class EventOut(Schema):
    id = fields.Int(required=True)
    at = fields.DateTime(required=True)
    kind = fields.Str(required=True)
    kind_label = fields.Str(required=True)
    action = fields.Str(required=True)
    from_state = fields.Str(allow_none=True)
    to_state = fields.Str(allow_none=True)
    reason = fields.Str(required=True)
    actor = fields.Str(allow_none=True)
    data = fields.Dict(keys=fields.Str(), values=fields.Raw(allow_none=True), required=True)


class TaskOut(Schema):
    id = fields.Int(required=True)
    case_id = fields.Int(required=True)
    procedure = fields.Str(required=True)
    state = fields.Str(required=True)
    state_label = fields.Str(required=True)
    role = fields.Str(required=True)
    role_label = fields.Str(required=True)
    jurisdiction_code = fields.Str(required=True)
    jurisdiction_name = fields.Str(required=True)
    due_on = fields.Date(allow_none=True)
    light = fields.Str(
        allow_none=True, metadata={"description": "green / yellow / red; null when closed"}
    )
    status_text = fields.Str(allow_none=True)
    claimed_by = fields.Str(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    case_version = fields.Int(required=True)
    subject = fields.Str(required=True)


class TaskList(PageOut):
    items = fields.List(fields.Nested(TaskOut), required=True)


class TaskQuery(PageQuery):
    procedure = fields.Str(validate=_one_of(PROCEDURES))
    state = fields.Str(validate=validate.Length(max=40))


class ChoiceOut(Schema):
    value = fields.Str(required=True)
    label = fields.Str(required=True)


class FieldOut(Schema):
    name = fields.Str(required=True)
    label = fields.Str(required=True)
    kind = fields.Str(required=True)
    required = fields.Bool(required=True)
    choices = fields.List(fields.Nested(ChoiceOut), required=True)


class ActionOut(Schema):
    action = fields.Str(required=True)
    label = fields.Str(required=True)
    fields = fields.List(fields.Nested(FieldOut), required=True)


class RecordRow(Schema):
    label = fields.Str(required=True)
    value = fields.Str(required=True)


class CaseOut(CaseSummary):
    record = fields.List(fields.Nested(RecordRow), required=True)
    task = fields.Nested(TaskOut, allow_none=True)
    actions = fields.List(
        fields.Nested(ActionOut),
        required=True,
        metadata={"description": "What the caller may do now (empty when not the caller's turn)"},
    )
    timeline = fields.List(fields.Nested(EventOut), required=True)


class ActIn(Strict):
    action = fields.Str(required=True, validate=validate.Length(min=1, max=40))
    version = fields.Int(
        required=True,
        validate=validate.Range(min=0, max=MAX_INT),
        metadata={"description": "The case version you saw; a stale one answers 409"},
    )
    data = fields.Dict(keys=fields.Str(), values=fields.Raw(allow_none=True), load_default=dict)


# --- public lookup -------------------------------------------------------------------
class LookupQuery(Query):
    receipt_no = fields.Str(required=True, validate=validate.Length(min=1, max=24))
    id_tail = fields.Str(
        required=True,
        validate=validate.Length(equal=4),
        metadata={"description": "Last four characters of a member's ID number"},
    )


class LookupRow(Schema):
    no = fields.Int(required=True)
    procedure = fields.Str(required=True)
    member = fields.Str(required=True)
    step = fields.Str(required=True)
    closed = fields.Bool(required=True)
    light = fields.Str(allow_none=True)
    status_text = fields.Str(allow_none=True)
    opened_on = fields.Date(required=True)


class LookupOut(Schema):
    items = fields.List(fields.Nested(LookupRow), required=True)
