"""REST API /api/v1: thin doors over the same services and permission checks as the web.

Every view: load, check permission (can_view_*, can_act via the engine), call one
service, commit once, answer JSON. Errors are problem+json (see problems.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, render_template
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from transfers.api import schemas as s
from transfers.api.problems import problem
from transfers.api.spec import build_spec, operation
from transfers.auth.models import User
from transfers.cases.models import Case, Event
from transfers.cases.permissions import can_register_households, can_view_case, can_view_household
from transfers.cases.services import open_intake
from transfers.db import utcnow
from transfers.deadlines.services import work_calendar
from transfers.engine import (
    EngineError,
    InvalidAction,
    RuleViolation,
    act,
    build_context,
    claim,
    open_task,
    release,
)
from transfers.engine.errors import DuplicateCase
from transfers.exports.services import cases_query, households_query
from transfers.extensions import db, limiter
from transfers.households.models import Household, Person
from transfers.households.services import HouseholdError, MemberInput, register_household
from transfers.jurisdictions.models import Jurisdiction, Site
from transfers.public.views import lookup
from transfers.tasks.models import Task
from transfers.tasks.permissions import can_act
from transfers.tasks.services import queue_query, supervised_overdue_query
from workflows.calendar import deadline_status, local_date
from workflows.idcard import mask_name, normalize
from workflows.roles import Role

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def me() -> User:
    return g.api_user


def _engine_problem(e: Exception) -> Any:
    db.session.rollback()
    if isinstance(e, RuleViolation):
        return problem(422, str(e), e.errors)
    if isinstance(e, DuplicateCase):
        return problem(409, str(e), e.errors or None)
    if isinstance(e, InvalidAction):
        return problem(409, str(e))
    status = getattr(e, "status", 400)
    return problem(status if status in (403, 404, 409) else 422, str(e))


# --- serializers: plain dicts, dumped through the documented schemas -----------------
def person_dict(p: Person) -> dict[str, Any]:
    moved = (p.facts or {}).get("hukou_moved")
    return {
        "id": p.id,
        "household_id": p.household_id,
        "name": p.name,
        "id_number_masked": p.masked_id,
        "sex": p.sex,
        "birth_date": p.birth_date,
        "relation": p.relation,
        "party_status": p.party_status,
        "collective_member": p.collective_member,
        "pension_status": p.pension_status,
        "medical_insurance": p.medical_insurance,
        "assistance": p.assistance,
        "registered_poor": p.registered_poor,
        "hukou_moved": moved if isinstance(moved, bool) else None,
    }


def household_dict(h: Household) -> dict[str, Any]:
    return {
        "id": h.id,
        "origin_code": h.origin.code,
        "origin_name": h.origin.full_name,
        "destination_code": h.destination.code,
        "destination_name": h.destination.full_name,
        "settlement_mode": h.settlement_mode,
        "site_id": h.site_id,
        "site_name": h.site.name if h.site else None,
        "moved_on": h.moved_on,
        "scope": h.scope.value,
        "members": [person_dict(p) for p in h.members],
    }


def case_summary(c: Case) -> dict[str, Any]:
    return {
        "id": c.id,
        "procedure": c.procedure,
        "procedure_label": c.workflow.label,
        "state": c.state,
        "state_label": c.state_label,
        "outcome": c.outcome,
        "version": c.version,
        "household_id": c.household_id,
        "person_id": c.person_id,
        "subject": mask_name(c.subject_name),
        "receipt_no": c.intake.receipt_no if c.intake else None,
        "opened_at": c.opened_at,
        "closed_at": c.closed_at,
    }


def task_dict(t: Task) -> dict[str, Any]:
    status = deadline_status(t.due_on, local_date(utcnow()), work_calendar()) if t.is_open else None
    return {
        "id": t.id,
        "case_id": t.case_id,
        "procedure": t.procedure,
        "state": t.state,
        "state_label": t.case.workflow.state(t.state).label,
        "role": t.role,
        "role_label": t.role_label,
        "jurisdiction_code": t.jurisdiction.code,
        "jurisdiction_name": t.jurisdiction.name,
        "due_on": t.due_on,
        "light": str(status.light) if status else None,
        "status_text": status.text if status else None,
        "claimed_by": t.claimed_by.display_name if t.claimed_by else None,
        "closed_at": t.closed_at,
        "case_version": t.case.version,
        "subject": mask_name(t.case.subject_name),
    }


def case_dict(c: Case, user: User) -> dict[str, Any]:
    task = open_task(c)
    actions = []
    if can_act(user, task):
        ctx = build_context(c, utcnow())
        for a in c.workflow.available_actions(c.state, ctx):
            actions.append(
                {
                    "action": a.trigger,
                    "label": a.label,
                    "fields": [
                        {
                            "name": f.name,
                            "label": f.label,
                            "kind": f.kind,
                            "required": f.required,
                            "choices": [
                                {"value": v, "label": lab} for v, lab in f.resolve_choices(ctx)
                            ],
                        }
                        for f in a.fields
                    ],
                }
            )
    events = db.session.scalars(select(Event).where(Event.case_id == c.id).order_by(Event.id))
    return {
        **case_summary(c),
        "record": [{"label": k, "value": v} for k, v in c.workflow.describe(c.data or {})],
        "task": task_dict(task) if task else None,
        "actions": actions,
        "timeline": [
            {
                "id": e.id,
                "at": e.at,
                "kind": e.kind,
                "kind_label": e.kind_label,
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "reason": e.reason,
                "actor": e.actor.display_name if e.actor else None,
                "data": e.data or {},
            }
            for e in events
        ],
    }


def _page(query: Any, args: dict[str, Any], schema: type, to_dict: Any) -> Any:
    page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
    body = {
        "items": [to_dict(x) for x in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total or 0,
    }
    return jsonify(schema().dump(body))


def _visible_case(case_id: int) -> Case | Any:
    case = db.session.get(Case, case_id)
    if case is None:
        return problem(404, "找不到该事项")
    paths = tuple(db.session.scalars(select(Task.jurisdiction_path).where(Task.case_id == case.id)))
    if not can_view_case(me(), case, paths):
        return problem(403, "该事项不在您的辖区内")
    return case


# --- the document and the reference page ---------------------------------------------
@bp.route("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    return jsonify(build_spec(current_app))


@bp.route("/docs")
def reference():  # type: ignore[no-untyped-def]
    return render_template("api/reference.html", spec=build_spec(current_app))


# --- who am I, jurisdictions ---------------------------------------------------------
@bp.route("/me")
@operation(summary="The token's user and role grants", tag="account", response=s.MeOut)
def whoami():  # type: ignore[no-untyped-def]
    user = me()
    body = {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "grants": [
            {
                "role": g.role,
                "role_label": Role(g.role).label,
                "jurisdiction_code": g.jurisdiction.code,
                "jurisdiction_name": g.jurisdiction.name,
            }
            for g in user.grants
        ],
    }
    return jsonify(s.MeOut().dump(body))


@bp.route("/jurisdictions")
@operation(
    summary="Jurisdictions (division codes), children of `parent` or the top level",
    tag="jurisdictions",
    response=s.JurisdictionList,
    query=s.JurisdictionQuery,
    errors=(404,),
)
def jurisdictions(args: dict[str, Any]):  # type: ignore[no-untyped-def]
    q = select(Jurisdiction).order_by(Jurisdiction.path)
    if args.get("parent"):
        parent = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == args["parent"]))
        if parent is None:
            return problem(404, "找不到该行政区划代码")
        q = q.where(Jurisdiction.parent_id == parent.id)
    else:
        q = q.where(Jurisdiction.parent_id.is_(None))
    items = [
        {
            "id": j.id,
            "code": j.code,
            "name": j.name,
            "level": j.level,
            "path": j.path,
            "parent_code": j.parent.code if j.parent else None,
        }
        for j in db.session.scalars(q)
    ]
    return jsonify(s.JurisdictionList().dump({"items": items}))


# --- households and persons ----------------------------------------------------------
@bp.route("/households")
@operation(
    summary="Households within your jurisdictions",
    tag="households",
    response=s.HouseholdList,
    query=s.HouseholdQuery,
)
def households(args: dict[str, Any]):  # type: ignore[no-untyped-def]
    q = households_query(me(), args.get("q") or "").options(
        selectinload(Household.members), selectinload(Household.destination)
    )
    return _page(q, args, s.HouseholdList, household_dict)


@bp.route("/households", methods=["POST"])
@operation(
    summary="Register a household with its members (village staff of the destination)",
    tag="households",
    response=s.HouseholdOut,
    status=201,
    body=s.HouseholdIn,
    errors=(403,),
)
def create_household(data: dict[str, Any]):  # type: ignore[no-untyped-def]
    user = me()
    if not can_register_households(user):
        return problem(403, "只有村（社区）工作人员可以登记搬迁户")
    errors: dict[str, str] = {}
    places = {}
    for key in ("origin_code", "destination_code"):
        j = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == data[key]))
        if j is None:
            errors[key] = f"未知的行政区划代码“{data[key]}”"
        places[key] = j
    destination = places["destination_code"]
    staff_of = {g.jurisdiction_id for g in user.grants if g.role == Role.VILLAGE_STAFF}
    if destination is not None and destination.id not in staff_of:
        return problem(403, "只能为本村（社区）登记搬迁户（迁入地须为您任职的村或社区）")
    site = db.session.get(Site, data["site_id"]) if data["site_id"] else None
    if data["site_id"] and site is None:
        errors["site_id"] = "找不到该安置点"
    if errors:
        return problem(422, "提交的内容未通过校验", errors)
    members = [MemberInput(**m) for m in data["members"]]
    facts = {
        k: data[k]
        for k in (
            "lives_at_destination",
            "has_destination_housing",
            "has_destination_homestead",
            "has_destination_contracted_land",
            "address",
            "phone",
        )
    }
    try:
        household = register_household(
            origin=places["origin_code"],
            destination=destination,
            site=site,
            settlement_mode=data["settlement_mode"],
            members=members,
            actor=user,
            now=utcnow(),
            moved_on=data["moved_on"],
            **facts,
        )
    except HouseholdError as e:
        db.session.rollback()
        return problem(422, str(e), e.errors)
    db.session.commit()
    return jsonify(s.HouseholdOut().dump(household_dict(household))), 201


@bp.route("/households/<int(max=2147483647):household_id>")
@operation(
    summary="One household with its members",
    tag="households",
    response=s.HouseholdOut,
    errors=(403,),
)
def household(household_id: int):  # type: ignore[no-untyped-def]
    h = db.session.get(Household, household_id)
    if h is None:
        return problem(404, "找不到该搬迁户")
    if not can_view_household(me(), h):
        return problem(403, "该搬迁户不在您的辖区内")
    return jsonify(s.HouseholdOut().dump(household_dict(h)))


@bp.route("/persons")
@operation(
    summary="Persons within your jurisdictions, by exact ID number or by name",
    tag="households",
    response=s.PersonList,
    query=s.PersonQuery,
)
def persons(args: dict[str, Any]):  # type: ignore[no-untyped-def]
    visible = households_query(me()).with_only_columns(Household.id).order_by(None)
    q = select(Person).where(Person.household_id.in_(visible))
    if args.get("id_number"):
        q = q.where(Person.id_number == normalize(args["id_number"]))
    if args.get("q"):
        text = args["q"].strip()
        q = q.where(
            or_(
                Person.name.contains(text, autoescape=True),
                Person.name_initials.startswith(text.lower(), autoescape=True),
            )
        )
    return _page(q.order_by(Person.id), args, s.PersonList, person_dict)


@bp.route("/persons/<int(max=2147483647):person_id>")
@operation(summary="One person", tag="households", response=s.PersonOut, errors=(403,))
def person(person_id: int):  # type: ignore[no-untyped-def]
    p = db.session.get(Person, person_id)
    if p is None:
        return problem(404, "找不到该人员")
    if not can_view_household(me(), p.household):
        return problem(403, "该人员不在您的辖区内")
    return jsonify(s.PersonOut().dump(person_dict(p)))


# --- intake and cases ----------------------------------------------------------------
@bp.route("/intakes", methods=["POST"])
@operation(
    summary="Accept (受理) cases of one household under one receipt number",
    tag="cases",
    response=s.IntakeOut,
    status=201,
    body=s.IntakeIn,
    errors=(403, 404, 409),
)
def create_intake(data: dict[str, Any]):  # type: ignore[no-untyped-def]
    h = db.session.get(Household, data["household_id"])
    if h is None:
        return problem(404, "找不到该搬迁户")
    if not can_view_household(me(), h):
        return problem(403, "该搬迁户不在您的辖区内")
    members = {p.id: p for p in h.members}
    requests = []
    for i, r in enumerate(data["requests"]):
        pid = r["person_id"]
        if pid is not None and pid not in members:
            return problem(
                422, "该人员不是本户成员", {f"requests-{i}-person_id": "该人员不是本户成员"}
            )
        requests.append((members.get(pid) if pid is not None else None, r["procedure"]))
    try:
        intake = open_intake(household=h, requests=requests, actor=me(), now=utcnow())
    except (EngineError, InvalidAction, RuleViolation) as e:
        return _engine_problem(e)
    db.session.commit()
    body = {
        "receipt_no": intake.receipt_no,
        "household_id": h.id,
        "cases": [case_summary(c) for c in intake.cases],
    }
    return jsonify(s.IntakeOut().dump(body)), 201


@bp.route("/cases")
@operation(
    summary="Cases within your jurisdictions", tag="cases", response=s.CaseList, query=s.CaseQuery
)
def cases(args: dict[str, Any]):  # type: ignore[no-untyped-def]
    q = cases_query(
        me(),
        procedure=args.get("procedure", ""),
        state=args.get("state", ""),
        open_only=bool(args.get("open")),
    )
    return _page(q, args, s.CaseList, case_summary)


@bp.route("/cases/<int(max=2147483647):case_id>")
@operation(
    summary="One case with its open task, your possible actions and its timeline",
    tag="cases",
    response=s.CaseOut,
    errors=(403,),
)
def case(case_id: int):  # type: ignore[no-untyped-def]
    c = _visible_case(case_id)
    if not isinstance(c, Case):
        return c
    return jsonify(s.CaseOut().dump(case_dict(c, me())))


# --- tasks ---------------------------------------------------------------------------
@bp.route("/tasks")
@operation(
    summary="My queue (待办): open tasks of my offices",
    tag="tasks",
    response=s.TaskList,
    query=s.TaskQuery,
)
def tasks(args: dict[str, Any]):  # type: ignore[no-untyped-def]
    q = queue_query(me(), procedure=args.get("procedure", ""), state=args.get("state", ""))
    return _page(q, args, s.TaskList, task_dict)


def _task_action(task_id: int, service: Any) -> Any:
    try:
        task = service(task_id=task_id, actor=me(), now=utcnow())
    except EngineError as e:
        return _engine_problem(e)
    db.session.commit()
    return jsonify(s.TaskOut().dump(task_dict(task)))


@bp.route("/tasks/<int(max=2147483647):task_id>/claim", methods=["POST"])
@operation(
    summary="Claim a task (认领) so colleagues see who is on it",
    tag="tasks",
    response=s.TaskOut,
    errors=(403, 409),
)
def claim_task(task_id: int):  # type: ignore[no-untyped-def]
    return _task_action(task_id, claim)


@bp.route("/tasks/<int(max=2147483647):task_id>/release", methods=["POST"])
@operation(summary="Release your claim", tag="tasks", response=s.TaskOut, errors=(403, 409))
def release_task(task_id: int):  # type: ignore[no-untyped-def]
    return _task_action(task_id, release)


@bp.route("/tasks/<int(max=2147483647):task_id>/act", methods=["POST"])
@operation(
    summary="Act on a task with the case version you saw",
    tag="tasks",
    response=s.CaseOut,
    body=s.ActIn,
    errors=(403, 409),
    description=(
        "`action` is one of the case's `actions[].action`; `data` holds its fields. "
        "A stale `version` answers 409; a rule or field error answers 422 with `errors`."
    ),
)
def act_on_task(task_id: int, data: dict[str, Any]):  # type: ignore[no-untyped-def]
    task = db.session.get(Task, task_id)
    if task is None:
        return problem(404, "找不到该待办")
    c = _visible_case(task.case_id)
    if not isinstance(c, Case):
        return c
    if task.closed_at is not None:
        return problem(409, "该待办已办结，请刷新后查看最新状态")
    if not can_act(me(), task):
        return problem(403, "您没有办理该待办的权限（须为该环节的办理单位，且未被他人认领）")
    try:
        action = c.workflow.action(data["action"], c.state)
        if action.system:
            raise InvalidAction("该操作由系统自动执行")
        c = act(
            case_id=c.id,
            action=data["action"],
            actor=me(),
            seen_version=data["version"],
            data=data["data"],
            now=utcnow(),
        )
        db.session.commit()
    except (EngineError, InvalidAction, RuleViolation) as e:
        return _engine_problem(e)
    return jsonify(s.CaseOut().dump(case_dict(c, me())))


@bp.route("/overdue")
@operation(
    summary="Overdue open tasks under the jurisdictions you supervise (超期督办)",
    tag="tasks",
    response=s.TaskList,
    query=s.PageQuery,
    errors=(403,),
)
def overdue(args: dict[str, Any]):  # type: ignore[no-untyped-def]
    if not any(r.is_supervisor for r in me().roles):
        return problem(403, "只有乡镇、区县督查人员可以查看超期督办")
    q = supervised_overdue_query(me(), local_date(utcnow()))
    return _page(q, args, s.TaskList, task_dict)


# --- public --------------------------------------------------------------------------
@bp.route("/public/status")
@limiter.limit("30 per minute")
@operation(
    summary="Status of a household's cases by receipt number and ID tail (no token)",
    tag="public",
    response=s.LookupOut,
    query=s.LookupQuery,
    public=True,
    errors=(404, 429),
)
def public_status(args: dict[str, Any]):  # type: ignore[no-untyped-def]
    rows = lookup(args["receipt_no"], args["id_tail"])
    if rows is None:
        return problem(404, "办件编号与身份证号码后四位不匹配，请核对后重试")
    items = [
        {
            "no": r["no"],
            "procedure": r["procedure"],
            "member": r["member"],
            "step": r["step"],
            "closed": r["closed"],
            "light": str(r["status"].light) if r["status"] else None,
            "status_text": r["status"].text if r["status"] else None,
            "opened_on": local_date(r["opened_on"]),
        }
        for r in rows
    ]
    return jsonify(s.LookupOut().dump({"items": items}))


@bp.after_request
def _commit_token_use(response: Any) -> Any:
    """Reads record the token's last use; writes already committed theirs."""
    if g.get("api_user") is not None and db.session.dirty:
        db.session.commit()
    return response


@bp.errorhandler(404)
@bp.errorhandler(405)
@bp.errorhandler(429)
def _http_problem(error: Any) -> Any:
    return problem(getattr(error, "code", 400) or 400)
