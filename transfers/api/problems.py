"""Errors as application/problem+json (RFC 9457), with a Chinese and an English message.

`title` is the English summary, `title_zh` its Chinese counterpart, `detail` the specific
message shown to Chinese users (from the domain or the validation), and `errors` the
field errors of a 422; a 429 says how long to wait, in `detail`, in `retry_after` and in
the Retry-After header (seconds). `domain_problem` is the one mapping from the domain's
exceptions to HTTP statuses; `http_problem` renders the framework's HTTP errors (a 422 from
argument parsing, mainly).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from flask import Response
from werkzeug.exceptions import HTTPException

from transfers.engine.errors import (
    DuplicateCase,
    NotFound,
    PermissionDenied,
    StaleVersion,
    WorkflowError,
)
from transfers.extensions import db, retry_after
from transfers.households.validation import HouseholdError

PROBLEM = "application/problem+json"

TITLES = {
    400: ("Bad request", "请求有误"),
    401: ("Authentication required: send 'Authorization: Bearer <token>'", "未提供有效的访问令牌"),
    403: ("Forbidden: your roles and jurisdictions do not allow this", "您没有办理该事项的权限"),
    404: ("Not found", "找不到该资源"),
    405: ("Method not allowed", "不支持该操作"),
    409: (
        "Conflict: changed by someone else meanwhile, or already under way",
        "该事项已由他人办理或更新，或已有正在办理的同类事项",
    ),
    413: ("Payload too large", "提交的内容过大"),
    422: ("Unprocessable: see 'detail' and 'errors'", "提交的内容未通过校验或不符合办理规则"),
    429: ("Too many requests, slow down", "请求过于频繁，请稍后再试"),
    500: ("Internal server error", "系统内部错误，请稍后再试"),
}
SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "too-large",
    422: "validation-failed",
    429: "too-many-requests",
    500: "server-error",
}
# Where a request's parts failed to load (webargs' locations), for the detail.
LOCATIONS = {"json": "提交的内容未通过校验", "query": "查询参数未通过校验"}


def problem(
    status: int,
    detail: str | None = None,
    errors: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    title, title_zh = TITLES.get(status, TITLES[400])
    body: dict[str, Any] = {
        "type": f"/api/v1/docs#problem-{SLUGS.get(status, 'bad-request')}",
        "title": title,
        "title_zh": title_zh,
        "status": status,
        "detail": detail or title_zh,
    }
    wait = retry_after() if status == 429 else None
    if wait is not None:
        body["retry_after"] = wait
        body["detail"] = detail or f"请求过于频繁，请在{_wait_text(wait)}后再试"
    if errors:
        body["errors"] = {k or "_": str(v) for k, v in errors.items()}
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM)
    for k, v in (headers or {}).items():
        response.headers[k] = v
    if wait is not None:
        response.headers["Retry-After"] = str(wait)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _wait_text(seconds: int) -> str:
    """The wait in words: seconds up to two minutes, whole minutes (rounded up) beyond."""
    return f" {seconds} 秒" if seconds < 120 else f" {math.ceil(seconds / 60)} 分钟"


def flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested messages in the web forms' keys:
    {"members": {0: {"name": ["..."]}}} -> {"members-0-name": "..."}."""
    out: dict[str, str] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = "_" if key == "_schema" else f"{prefix}-{key}" if prefix else str(key)
            out.update(flatten(value, name))
    elif isinstance(messages, list):
        texts = [m for m in messages if isinstance(m, str)]
        if texts:
            out[prefix or "_"] = texts[0]
        for m in messages:
            if not isinstance(m, str):
                out.update(flatten(m, prefix))
    else:
        out[prefix or "_"] = str(messages)
    return out


def http_problem(error: HTTPException) -> Response:
    """An HTTP error of the framework (webargs' 422 carries the field messages)."""
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or {}
    for location, detail in LOCATIONS.items():
        if location in messages:
            return problem(code, detail, flatten(messages[location]), data.get("headers"))
    return problem(code, None, flatten(messages) if messages else None, data.get("headers"))


def domain_problem(error: Exception) -> Response:
    """The domain's refusal, with its own reason: nothing of the request was kept."""
    db.session.rollback()
    errors = getattr(error, "errors", None) or None
    if isinstance(error, NotFound):
        return problem(404, str(error))
    if isinstance(error, PermissionDenied):
        return problem(403, str(error))
    if isinstance(error, StaleVersion | DuplicateCase):
        return problem(409, str(error), errors)
    # InvalidAction, RuleViolation, any other WorkflowError, a household refused
    return problem(422, str(error), errors)


DOMAIN_ERRORS = (WorkflowError, HouseholdError)
