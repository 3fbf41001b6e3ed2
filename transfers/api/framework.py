"""The API's framework: flask-smorest, set up once for this project.

- `Api`: error responses are documented as problem+json (schema `Problem`), and the
  framework's own HTTP errors (a 422 from argument parsing) are answered as such.
- `Blueprint`: success responses are JSON unless said otherwise; each operation is named
  after its view; `problems(...)` documents an operation's error statuses.
- `bp`: the /api/v1 blueprint. `authenticate` (its before_request) is the one place a
  bearer token is read; `domain_problem` (its error handler) the one place a domain
  refusal becomes a status.
- `get_visible`: the one check that the token's user may see an object
  (transfers.visibility), for every object route.

The API speaks Chinese whatever the user's interface language (transfers.i18n), so its
own messages are plain Chinese text, not marked for translation.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar, cast

import flask_smorest
from flask import Response, g, request
from marshmallow import Schema
from sqlalchemy import Select, select
from werkzeug.exceptions import HTTPException

from transfers.access import ACCESS, PUBLIC
from transfers.api.problems import DOMAIN_ERRORS, PROBLEM, domain_problem, http_problem, problem
from transfers.api.schemas import Problem
from transfers.api.tokens import may_send, token_for_secret
from transfers.auth.models import User
from transfers.cases.models import Case
from transfers.db import utcnow
from transfers.engine import NotFound, PermissionDenied
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.tasks.models import Task
from transfers.visibility import visible_cases, visible_households

JSON = "application/json"
T = TypeVar("T", Household, Person, Case, Task)
View = Callable[..., Any]


class Api(flask_smorest.Api):
    ERROR_SCHEMA = Problem
    DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM  # the documented error responses

    def handle_http_exception(self, error: HTTPException) -> Any:
        if request.blueprint != bp.name:
            return error  # the web's pages: Flask's own answer, as without the API
        return http_problem(error)


def _decorator(made: Any) -> Callable[[View], View]:
    """flask-smorest ships no types: its decorators take and give a view."""
    return cast(Callable[[View], View], made)


class Blueprint(flask_smorest.Blueprint):
    def response(self, status_code: int, schema: Any = None, **kw: Any) -> Callable[[View], View]:
        kw.setdefault("content_type", JSON)
        return _decorator(super().response(status_code, schema, **kw))

    def arguments(self, schema: type[Schema], **kwargs: Any) -> Callable[[View], View]:
        return _decorator(super().arguments(schema, **kwargs))

    def doc(self, **kwargs: Any) -> Callable[[View], View]:
        return _decorator(super().doc(**kwargs))

    def route(self, rule: str, **options: Any) -> Callable[[View], View]:
        """Also names the operation after its view (operationId, the reference's anchors)."""
        register = super().route(rule, **options)

        def decorate(view: View) -> View:
            return _decorator(register)(self.doc(operationId=view.__name__)(view))

        return decorate

    def problems(self, *codes: int) -> Callable[[View], View]:
        """Document the problem+json answers of an operation besides the default."""

        def decorate(view: View) -> View:
            for code in codes:
                view = _decorator(self.alt_response(code, response=HTTPStatus(code).name))(view)
            return view

        return decorate


bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="REST API of household-transfers",
)


def me() -> User:
    user: User = g.api_user
    return user


def authenticate() -> Response | None:
    """Every route but the public ones (transfers/access.py) needs a bearer token."""
    if ACCESS.get(request.endpoint or "") == PUBLIC:
        return None
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    token = None
    if scheme.lower() == "bearer" and secret.strip():
        token = token_for_secret(secret.strip(), now=utcnow())
    if token is None:
        return problem(
            401, "未提供有效的访问令牌（令牌可能已过期或已吊销），请在“我的访问令牌”页面创建后使用"
        )
    g.api_user = token.user
    if not may_send(token, request.method):
        return problem(403, "该访问令牌为只读令牌，只能查询，不能办理或修改")
    return None


def commit_token_use(response: Response) -> Response:
    """Reads record the token's last use; writes already committed theirs."""
    if g.get("api_user") is not None and db.session.dirty:
        db.session.commit()
    return response


bp.before_request(authenticate)
bp.after_request(commit_token_use)


for _error in DOMAIN_ERRORS:
    bp.register_error_handler(_error, domain_problem)


def _visible(model: type[T], user: User) -> Select[Any]:
    if model is Household:
        return visible_households(user).with_only_columns(Household.id)
    if model is Person:
        households = visible_households(user).with_only_columns(Household.id)
        return select(Person.id).where(Person.household_id.in_(households))
    cases = visible_cases(user).with_only_columns(Case.id)
    if model is Case:
        return cases
    return select(Task.id).where(Task.case_id.in_(cases))


NOUNS = {Household: "搬迁户", Person: "人员", Case: "事项", Task: "待办"}


def get_visible(model: type[T], ident: int) -> T:
    """The object, or NotFound (404), or PermissionDenied (403) outside the user's areas."""
    obj = db.session.get(model, ident)
    if obj is None:
        raise NotFound(f"找不到该{NOUNS[model]}")
    if db.session.scalar(_visible(model, me()).where(model.id == ident)) is None:
        raise PermissionDenied(f"该{NOUNS[model]}不在您的辖区内")
    return obj
