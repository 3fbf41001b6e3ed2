"""What the API accepts (query strings and JSON bodies), and the problem document.

Loaded by flask-smorest's `arguments`; the same classes are the OpenAPI document's
parameters and request bodies. Output schemas are in responses.py.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE

from transfers.api import fields as f
from transfers.api.fields import ChineseSchema, between, length, one_of
from transfers.households.models import (
    ASSISTANCE_STATUS,
    MEDICAL_STATUS,
    PARTY_STATUS,
    PENSION_STATUS,
    RELATIONS,
    SETTLEMENT_MODES,
)
from transfers.tasks.filters import SORTS
from workflows.registry import PROCEDURES

MAX_INT = 2**31 - 1  # identifiers are 32-bit integers in the database
MAX_PAGE = 100000


class Body(ChineseSchema):
    class Meta:
        unknown = RAISE


class Query(ChineseSchema):
    class Meta:
        unknown = EXCLUDE


class Problem(ChineseSchema):
    """application/problem+json (RFC 9457), with a Chinese title beside the English one."""

    type = f.Str(metadata={"description": "Problem type (a link into the reference)"})
    title = f.Str(required=True, metadata={"description": "Summary in English"})
    title_zh = f.Str(required=True, metadata={"description": "Summary in Chinese"})
    status = f.Int(required=True)
    detail = f.Str(required=True, metadata={"description": "What went wrong, in Chinese"})
    errors = f.Dict(
        keys=f.Str(),
        values=f.Str(),
        metadata={"description": "Field errors (422), keyed like `members-0-id_number`"},
    )
    retry_after = f.Int(
        metadata={"description": "Seconds to wait before asking again (429), as in Retry-After"}
    )


class PageQuery(Query):
    page = f.Int(load_default=1, validate=between(1, MAX_PAGE))
    per_page = f.Int(load_default=20, validate=between(1, 100))


class JurisdictionQuery(Query):
    parent = f.Str(
        validate=length(max=12),
        metadata={"description": "Division code of the parent; omit for the top level"},
    )


class HouseholdQuery(PageQuery):
    q = f.Str(
        validate=length(max=40),
        metadata={
            "description": "Name, pinyin initials, ID number or its last 4 or more characters, "
            "or a receipt number"
        },
    )


class PersonQuery(PageQuery):
    id_number = f.Str(validate=length(max=24), metadata={"description": "Exact ID number"})
    q = f.Str(validate=length(max=40), metadata={"description": "Name or pinyin initials"})


class CaseQuery(PageQuery):
    procedure = f.Str(validate=one_of(PROCEDURES))
    state = f.Str(validate=length(max=40))
    open = f.Bool(metadata={"description": "Only cases not yet closed"})


class TaskQuery(PageQuery):
    procedure = f.Str(validate=one_of(PROCEDURES))
    state = f.Str(validate=length(max=40))
    q = f.Str(
        validate=length(max=50),
        metadata={
            "description": "Search as the queue page does: a name, its pinyin initials, "
            "a receipt number (with or without dashes) or the last four of an ID number"
        },
    )
    sort = f.Str(
        validate=one_of(SORTS),
        metadata={"description": "due (default: soonest first), -due, or created"},
    )


class LookupQuery(Query):
    receipt_no = f.Str(required=True, validate=length(max=24))
    id_tail = f.Str(
        required=True,
        validate=length(max=8),
        metadata={
            "description": "Last four characters of a member's ID number (0-9 or X; "
            "spaces and full-width digits are accepted, as in the web form)"
        },
    )


class MemberIn(Body):
    name = f.Str(required=True, validate=length(min=1, max=40))
    id_number = f.Str(
        required=True,
        validate=length(min=1, max=24),
        metadata={"description": "18-character resident ID number (GB 11643)"},
    )
    relation = f.Str(required=True, validate=one_of(RELATIONS))
    party_status = f.Str(load_default="none", validate=one_of(PARTY_STATUS))
    collective_member = f.Bool(load_default=False)
    pension_status = f.Str(load_default="contributing", validate=one_of(PENSION_STATUS))
    medical_insurance = f.Str(load_default="resident", validate=one_of(MEDICAL_STATUS))
    assistance = f.Str(load_default="none", validate=one_of(ASSISTANCE_STATUS))
    registered_poor = f.Bool(load_default=False)


class HouseholdIn(Body):
    origin_code = f.Str(required=True, validate=length(min=1, max=12))
    destination_code = f.Str(required=True, validate=length(min=1, max=12))
    settlement_mode = f.Str(required=True, validate=one_of(SETTLEMENT_MODES))
    site_id = f.Int(allow_none=True, load_default=None, validate=between(1, MAX_INT))
    moved_on = f.Date(allow_none=True, load_default=None)
    address = f.Str(load_default="", validate=length(max=200))
    phone = f.Str(load_default="", validate=length(max=20))
    lives_at_destination = f.Bool(load_default=True)
    has_destination_housing = f.Bool(load_default=False)
    has_destination_homestead = f.Bool(load_default=False)
    has_destination_contracted_land = f.Bool(load_default=False)
    members = f.List(f.Nested(MemberIn), required=True, validate=length(min=1, max=30))


class MemberCorrectionIn(Body):
    """A member's corrected fields; a field left out keeps its registered value."""

    person_id = f.Int(required=True, validate=between(1, MAX_INT))
    name = f.Str(validate=length(min=1, max=40))
    id_number = f.Str(validate=length(min=1, max=24))
    relation = f.Str(validate=one_of(RELATIONS))
    party_status = f.Str(validate=one_of(PARTY_STATUS))
    collective_member = f.Bool()
    pension_status = f.Str(validate=one_of(PENSION_STATUS))
    medical_insurance = f.Str(validate=one_of(MEDICAL_STATUS))
    assistance = f.Str(validate=one_of(ASSISTANCE_STATUS))
    registered_poor = f.Bool()


class CorrectionIn(Body):
    """更正登记: what was registered wrongly, and why; fields left out stay as they are."""

    reason = f.Str(required=True, validate=length(min=1, max=500))
    settlement_mode = f.Str(validate=one_of(SETTLEMENT_MODES))
    site_id = f.Int(allow_none=True, validate=between(1, MAX_INT))
    moved_on = f.Date(allow_none=True)
    address = f.Str(validate=length(max=200))
    phone = f.Str(validate=length(max=20))
    lives_at_destination = f.Bool()
    has_destination_housing = f.Bool()
    has_destination_homestead = f.Bool()
    has_destination_contracted_land = f.Bool()
    members = f.List(f.Nested(MemberCorrectionIn), load_default=list, validate=length(max=30))


class CaseRequestIn(Body):
    person_id = f.Int(allow_none=True, load_default=None, validate=between(1, MAX_INT))
    procedure = f.Str(required=True, validate=one_of(PROCEDURES))


class IntakeIn(Body):
    household_id = f.Int(required=True, validate=between(1, MAX_INT))
    requests = f.List(f.Nested(CaseRequestIn), required=True, validate=length(min=1, max=40))


class ActIn(Body):
    action = f.Str(required=True, validate=length(min=1, max=40))
    version = f.Int(
        required=True,
        validate=between(0, MAX_INT),
        metadata={"description": "The case version you saw; a stale one answers 409"},
    )
    data = f.Dict(keys=f.Str(), values=f.JsonValue(allow_none=True), load_default=dict)
