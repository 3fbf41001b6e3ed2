"""Operations declared in code, and the OpenAPI 3 document built from them.

`operation(...)` wraps an API view: it authenticates the bearer token, validates the
query and the JSON body with the marshmallow schemas, and records what the view answers.
`build_spec(app)` walks the URL map and turns those records into the OpenAPI document,
so the document is generated from the same code that runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, g, request
from marshmallow import Schema, ValidationError
from werkzeug.routing import IntegerConverter

from transfers.api import schemas
from transfers.api.problems import TITLES, problem
from transfers.api.tokens import user_for_token
from transfers.db import utcnow

JSON = "application/json"
PROBLEM = "application/problem+json"

_MESSAGES = [
    ("Missing data for required field.", "此项为必填项"),
    ("Field may not be null.", "此项不能为空"),
    ("Not a valid integer.", "应为整数"),
    ("Not a valid string.", "应为文本"),
    ("Not a valid boolean.", "应为 true 或 false"),
    ("Not a valid date.", "日期格式应为 2026-11-27"),
    ("Not a valid list.", "应为列表"),
    ("Not a valid mapping type.", "应为对象"),
    ("Invalid input type.", "类型无效"),
    ("Invalid value.", "取值无效"),
    ("Unknown field.", "未知字段"),
    ("Must be one of:", "须为以下之一："),
    ("Length must be between", "长度超出范围："),
    ("Shorter than minimum length", "长度不足："),
    ("Longer than maximum length", "长度超出上限："),
    ("Length must be", "长度不符："),
    ("Must be greater than or equal to", "数值过小："),
    ("Must be less than or equal to", "数值过大："),
    ("Must be greater than", "数值过小："),
]


def chinese(message: str) -> str:
    """Marshmallow's messages in Chinese, keeping the English for the specifics."""
    for english, zh in _MESSAGES:
        if message.startswith(english):
            rest = message[len(english) :].strip()
            return f"{zh}{rest}" if rest else zh
    return message


def flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    """{"members": {0: {"name": ["..."]}}} -> {"members-0-name": "..."} (the form's keys)."""
    out: dict[str, str] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}-{key}" if prefix else str(key)
            out.update(flatten(value, name))
    elif isinstance(messages, list):
        texts = [m for m in messages if isinstance(m, str)]
        if texts:
            out[prefix or "_"] = chinese(texts[0])
        for m in messages:
            if not isinstance(m, str):
                out.update(flatten(m, prefix))
    else:
        out[prefix or "_"] = chinese(str(messages))
    return out


def _has_nul(value: Any) -> bool:
    """NUL cannot be stored in PostgreSQL text; refuse it at the door."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    response: type[Schema] | None
    status: int
    errors: tuple[int, ...]
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    public: bool = False
    description: str = ""


def current_user_api():  # type: ignore[no-untyped-def]
    return g.api_user


def operation(
    *,
    summary: str,
    tag: str,
    response: type[Schema] | None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    body: type[Schema] | None = None,
    query: type[Schema] | None = None,
    public: bool = False,
    description: str = "",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    op = Operation(summary, tag, response, status, errors, body, query, public, description)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            if not public:
                header = request.headers.get("Authorization", "")
                scheme, _, secret = header.partition(" ")
                user = None
                if scheme.lower() == "bearer" and secret.strip():
                    user = user_for_token(secret.strip(), now=utcnow())
                if user is None:
                    return problem(401, "未提供有效的访问令牌，请在“我的访问令牌”页面创建后使用")
                g.api_user = user
            if query is not None and _has_nul(request.args.to_dict(flat=False)):
                return problem(422, "参数中不能含有空字符（\\0）")
            if query is not None:
                try:
                    kwargs["args"] = query().load(request.args)
                except ValidationError as e:
                    return problem(422, "查询参数未通过校验", flatten(e.messages))
            if body is not None:
                payload = request.get_json(silent=True)
                if not isinstance(payload, dict):
                    return problem(422, "请求体须为 JSON 对象", {"_": "请求体须为 JSON 对象"})
                if _has_nul(payload):
                    return problem(422, "提交的内容中不能含有空字符（\\0）")
                try:
                    kwargs["data"] = body().load(payload)
                except ValidationError as e:
                    return problem(422, "提交的内容未通过校验", flatten(e.messages))
            return view(**kwargs)

        wrapper.api_operation = op  # type: ignore[attr-defined]
        return wrapper

    return decorator


def _path(rule: Any) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for name, converter in rule._converters.items():
        is_int = isinstance(converter, IntegerConverter)
        params.append(
            {
                "in": "path",
                "name": name,
                "required": True,
                "schema": {"type": "integer", "minimum": 0, "maximum": converter.max}
                if is_int
                else {"type": "string"},
            }
        )
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule), params


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": f"{TITLES[status][0]} / {TITLES[status][1]}",
        "content": {PROBLEM: {"schema": "Problem"}},
    }


def build_spec(app: Flask) -> dict[str, Any]:
    spec = APISpec(
        title="搬迁群众权益转接办理系统 API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                "REST API of household-transfers. Authenticate with a personal token "
                "(“我的访问令牌” page): `Authorization: Bearer <token>`. A token acts with "
                "its user's roles and jurisdictions; the same permission checks as the web "
                "apply. Errors are `application/problem+json`."
            )
        },
    )
    spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "Personal API token"}
    )
    spec.components.schema("Problem", schema=schemas.Problem)
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        op: Operation | None = getattr(view, "api_operation", None)
        if op is None:
            continue
        path, params = _path(rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            responses: dict[str, Any] = {}
            if op.response is not None:
                responses[str(op.status)] = {
                    "description": op.summary,
                    "content": {JSON: {"schema": op.response}},
                }
            else:
                responses[str(op.status)] = {"description": op.summary}
            codes = set(op.errors)
            if not op.public:
                codes.add(401)
            if op.body is not None or op.query is not None:
                codes.add(422)
            if params:
                codes.add(404)
            for code in sorted(codes):
                responses[str(code)] = _problem_response(code)
            item: dict[str, Any] = {
                "operationId": rule.endpoint.split(".", 1)[1],
                "summary": op.summary,
                "tags": [op.tag],
                "parameters": list(params),
                "responses": responses,
                "security": [] if op.public else [{"bearerAuth": []}],
            }
            if op.description:
                item["description"] = op.description
            if op.query is not None:
                item["parameters"].append({"in": "query", "schema": op.query})
            if op.body is not None:
                item["requestBody"] = {"required": True, "content": {JSON: {"schema": op.body}}}
            paths.setdefault(path, {})[method.lower()] = item
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
