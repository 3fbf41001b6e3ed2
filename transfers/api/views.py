"""REST API /api/v1: thin doors over the same services and permission checks as the web.

Every view: arguments loaded by the framework, one visibility check or service call,
commit once, the object returned for its response schema. Token auth, error statuses
and the OpenAPI document are in framework.py.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, make_response, render_template
from flask_smorest import current_api
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import or_

from transfers.api import responses as r
from transfers.api import schemas as s
from transfers.api.framework import Api, bp, get_visible, me
from transfers.cases.models import Case, Intake
from transfers.cases.permissions import can_register_households
from transfers.cases.services import open_intake, requested_members
from transfers.db import utcnow
from transfers.engine import (
    InvalidAction,
    NotFound,
    PermissionDenied,
    RuleViolation,
    StaleVersion,
    act,
)
from transfers.engine import claim as claim_service
from transfers.engine import release as release_service
from transfers.extensions import db, limiter
from transfers.households.correction import correct_household
from transfers.households.correction_fields import correction_from
from transfers.households.models import Household, Person
from transfers.households.registration import register
from transfers.households.validation import HouseholdError, HouseholdInput, MemberInput
from transfers.jurisdictions.models import Jurisdiction
from transfers.public.lookup import (
    PER_ADDRESS,
    PER_RECEIPT,
    LookupRefused,
    find_status,
    receipt_key,
)
from transfers.tasks.models import Task
from transfers.tasks.permissions import can_act
from transfers.tasks.services import queue_query, supervised_overdue_query
from transfers.visibility import household_search, visible_cases, visible_households
from workflows.calendar import local_date
from workflows.idcard import normalize

SPEC = {
    "title": "搬迁群众权益转接办理系统 API",
    "version": "1.0.0",
    "openapi_version": "3.0.3",
    "info": {
        "description": (
            "REST API of household-transfers. Authenticate with a personal token "
            "(“我的访问令牌” page): `Authorization: Bearer <token>`. A token acts with "
            "its user's roles and jurisdictions; the same permission checks as the web "
            "apply. Errors are `application/problem+json`."
        )
    },
    "security": [{"bearerAuth": []}],
}


def init_app(app: Flask) -> None:
    api = Api(app, spec_kwargs=SPEC)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "Personal API token"}
    )
    api.register_blueprint(bp)


def _page(query: Any, args: dict[str, Any]) -> Any:
    return db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)


# --- the document and the reference page ---------------------------------------------
@bp.route("/openapi.json")
@bp.doc(security=[], summary="This OpenAPI document")
@bp.response(200)
def openapi() -> Any:
    return jsonify(current_api.spec.to_dict())


@bp.route("/docs")
@bp.doc(security=[], summary="The API reference page (HTML)")
@bp.response(200, content_type="text/html")
def reference() -> Any:
    spec = current_api.spec.to_dict()
    return make_response(render_template("api/reference.html", spec=spec))


# --- who am I, jurisdictions ---------------------------------------------------------
@bp.route("/me")
@bp.doc(summary="The token's user and role grants", tags=["account"])
@bp.response(200, r.MeOut)
@bp.problems(401)
def whoami() -> Any:
    return me()


@bp.route("/jurisdictions")
@bp.doc(summary="Jurisdictions (division codes), children of `parent` or the top level")
@bp.arguments(s.JurisdictionQuery, location="query")
@bp.response(200, r.JurisdictionList)
@bp.problems(401, 404)
def jurisdictions(args: dict[str, Any]) -> Any:
    q = select(Jurisdiction).order_by(Jurisdiction.path)
    if args.get("parent"):
        parent = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == args["parent"]))
        if parent is None:
            raise NotFound("找不到该行政区划代码")
        q = q.where(Jurisdiction.parent_id == parent.id)
    else:
        q = q.where(Jurisdiction.parent_id.is_(None))
    return {"items": db.session.scalars(q).all()}


# --- households and persons ----------------------------------------------------------
@bp.route("/households", methods=["GET"])
@bp.doc(summary="Households within your jurisdictions", tags=["households"])
@bp.arguments(s.HouseholdQuery, location="query")
@bp.response(200, r.HouseholdList)
@bp.problems(401)
def households(args: dict[str, Any]) -> Any:
    q = visible_households(me()).options(
        selectinload(Household.members), selectinload(Household.destination)
    )
    if (args.get("q") or "").strip():
        q = q.where(household_search(args["q"]))
    return _page(q.order_by(Household.id.desc()), args)


def _place(code: str) -> Jurisdiction | None:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


@bp.route("/households", methods=["POST"])
@bp.doc(
    summary="Register a household with its members (village staff of the destination)",
    tags=["households"],
)
@bp.arguments(s.HouseholdIn)
@bp.response(201, r.HouseholdOut)
@bp.problems(401, 403)
def create_household(data: dict[str, Any]) -> Any:
    user = me()
    if not can_register_households(user):
        raise PermissionDenied("只有村（社区）工作人员可以登记搬迁户")
    origin, destination = _place(data["origin_code"]), _place(data["destination_code"])
    errors = {
        key: f"未知的行政区划代码“{data[key]}”"
        for key, place in (("origin_code", origin), ("destination_code", destination))
        if place is None
    }
    if errors or origin is None or destination is None:
        raise HouseholdError(errors)
    places = ("origin_code", "destination_code", "members")
    household_input = HouseholdInput(
        **{k: v for k, v in data.items() if k not in places},
        origin_id=origin.id,
        destination_id=destination.id,
        members=tuple(MemberInput(**m) for m in data["members"]),
    )
    household = register(household_input, actor=user, now=utcnow(), channel="api")
    db.session.commit()
    return household


@bp.route("/households/<int(max=2147483647):household_id>")
@bp.doc(summary="One household with its members", tags=["households"])
@bp.response(200, r.HouseholdOut)
@bp.problems(401, 403, 404)
def household(household_id: int) -> Any:
    return get_visible(Household, household_id)


@bp.route("/households/<int(max=2147483647):household_id>/corrections", methods=["POST"])
@bp.doc(
    summary="更正登记: correct a household or its members, with a reason",
    description=(
        "Fields left out keep their registered values. The corrected registration passes "
        "the same rules as a new one; the change is logged with the reason, and open cases "
        "it touches are noted or flagged for review."
    ),
    tags=["households"],
)
@bp.arguments(s.CorrectionIn)
@bp.response(200, r.HouseholdOut)
@bp.problems(401, 403, 404)
def correct_household_api(data: dict[str, Any], household_id: int) -> Any:
    household = get_visible(Household, household_id)
    members = {m.pop("person_id"): m for m in data.pop("members")}
    reason = data.pop("reason")
    correction = correction_from(household, reason, data, members)
    correct_household(household, correction, actor=me(), now=utcnow(), channel="api")
    db.session.commit()
    return household


@bp.route("/persons")
@bp.doc(
    summary="Persons within your jurisdictions, by exact ID number or by name",
    tags=["households"],
)
@bp.arguments(s.PersonQuery, location="query")
@bp.response(200, r.PersonList)
@bp.problems(401)
def persons(args: dict[str, Any]) -> Any:
    visible = visible_households(me()).with_only_columns(Household.id)
    q = select(Person).where(Person.household_id.in_(visible))
    if args.get("id_number"):
        q = q.where(Person.id_number == normalize(args["id_number"]))
    if text := (args.get("q") or "").strip():
        q = q.where(
            or_(
                Person.name.contains(text, autoescape=True),
                Person.name_initials.startswith(text.lower(), autoescape=True),
            )
        )
    return _page(q.order_by(Person.id), args)


@bp.route("/persons/<int(max=2147483647):person_id>")
@bp.doc(summary="One person", tags=["households"])
@bp.response(200, r.PersonOut)
@bp.problems(401, 403, 404)
def person(person_id: int) -> Any:
    return get_visible(Person, person_id)


# --- intake and cases ----------------------------------------------------------------
@bp.route("/intakes", methods=["POST"])
@bp.doc(
    summary="Accept (受理) cases of one household under one receipt number",
    description=(
        "Each requested procedure must apply to the member, as on the household page: "
        "one that does not answers 422 with the reason."
    ),
    tags=["cases"],
)
@bp.arguments(s.IntakeIn)
@bp.response(201, r.IntakeOut)
@bp.problems(401, 403, 404, 409)
def create_intake(data: dict[str, Any]) -> Any:
    h = get_visible(Household, data["household_id"])
    requests = requested_members(h, [(r["person_id"], r["procedure"]) for r in data["requests"]])
    intake: Intake = open_intake(household=h, requests=requests, actor=me(), now=utcnow())
    db.session.commit()
    return intake


@bp.route("/cases")
@bp.doc(summary="Cases within your jurisdictions", tags=["cases"])
@bp.arguments(s.CaseQuery, location="query")
@bp.response(200, r.CaseList)
@bp.problems(401)
def cases(args: dict[str, Any]) -> Any:
    q = visible_cases(me())
    if args.get("procedure"):
        q = q.where(Case.procedure == args["procedure"])
    if args.get("state"):
        q = q.where(Case.state == args["state"])
    if args.get("open"):
        q = q.where(Case.closed_at.is_(None))
    return _page(q.order_by(Case.id), args)


@bp.route("/cases/<int(max=2147483647):case_id>")
@bp.doc(
    summary="One case with its open task, your possible actions and its timeline",
    tags=["cases"],
)
@bp.response(200, r.CaseOut)
@bp.problems(401, 403, 404)
def case(case_id: int) -> Any:
    return r.CaseDetail(get_visible(Case, case_id), me())


# --- tasks ---------------------------------------------------------------------------
@bp.route("/tasks")
@bp.doc(summary="My queue (待办): open tasks of my offices", tags=["tasks"])
@bp.arguments(s.TaskQuery, location="query")
@bp.response(200, r.TaskList)
@bp.problems(401)
def tasks(args: dict[str, Any]) -> Any:
    q = queue_query(
        me(),
        procedure=args.get("procedure", ""),
        state=args.get("state", ""),
        sort=args.get("sort", "due"),
        q=args.get("q", "").strip(),
    )
    return _page(q, args)


@bp.route("/tasks/<int(max=2147483647):task_id>/claim", methods=["POST"])
@bp.doc(summary="Claim a task (认领) so colleagues see who is on it", tags=["tasks"])
@bp.response(200, r.TaskOut)
@bp.problems(401, 403, 404, 409)
def claim_task(task_id: int) -> Any:
    task = claim_service(task_id=task_id, actor=me(), now=utcnow())
    db.session.commit()
    return task


@bp.route("/tasks/<int(max=2147483647):task_id>/release", methods=["POST"])
@bp.doc(summary="Release your claim", tags=["tasks"])
@bp.response(200, r.TaskOut)
@bp.problems(401, 403, 404, 409)
def release_task(task_id: int) -> Any:
    task = release_service(task_id=task_id, actor=me(), now=utcnow())
    db.session.commit()
    return task


@bp.route("/tasks/<int(max=2147483647):task_id>/act", methods=["POST"])
@bp.doc(
    summary="Act on a task with the case version you saw",
    description=(
        "`action` is one of the case's `actions[].action`; `data` holds its fields. "
        "A stale `version` answers 409; an action not possible now, a rule or a field "
        "error answers 422 with the reason (and `errors` per field)."
    ),
    tags=["tasks"],
)
@bp.arguments(s.ActIn)
@bp.response(200, r.CaseOut)
@bp.problems(401, 403, 404, 409)
def act_on_task(data: dict[str, Any], task_id: int) -> Any:
    task: Task = get_visible(Task, task_id)
    if task.closed_at is not None:
        raise StaleVersion("该待办已办结，请刷新后查看最新状态")
    if not can_act(me(), task):
        raise PermissionDenied("您没有办理该待办的权限（须为该环节的办理单位，且未被他人认领）")
    if any(a.system and a.trigger == data["action"] for a in task.case.workflow.actions):
        raise InvalidAction("该操作由系统自动执行")  # the rest is the engine's to check
    moved = act(
        case_id=task.case_id,
        action=data["action"],
        actor=me(),
        seen_version=data["version"],
        data=data["data"],
        now=utcnow(),
    )
    db.session.commit()
    return r.CaseDetail(db.session.get_one(Case, moved.case_id), me())


@bp.route("/overdue")
@bp.doc(
    summary="Overdue open tasks under the jurisdictions you supervise (超期督办)", tags=["tasks"]
)
@bp.arguments(s.PageQuery, location="query")
@bp.response(200, r.TaskList)
@bp.problems(401, 403)
def overdue(args: dict[str, Any]) -> Any:
    if not any(role.is_supervisor for role in me().roles):
        raise PermissionDenied("只有乡镇、区县督查人员可以查看超期督办")
    return _page(supervised_overdue_query(me(), local_date(utcnow())), args)


# --- public --------------------------------------------------------------------------
@bp.route("/public/status")
@limiter.limit(PER_ADDRESS)
@limiter.limit(PER_RECEIPT, key_func=receipt_key)
@bp.doc(
    security=[],
    summary="Status of a household's cases by receipt number and ID tail (no token)",
    tags=["public"],
)
@bp.arguments(s.LookupQuery, location="query")
@bp.response(200, r.LookupOut)
@bp.problems(404, 429)
def public_status(args: dict[str, Any]) -> Any:
    try:
        return {"items": find_status(args["receipt_no"], args["id_tail"])}
    except LookupRefused as e:
        if e.field:
            raise RuleViolation({e.field: str(e)}) from None
        raise NotFound(str(e)) from None
