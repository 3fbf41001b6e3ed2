"""Errors as application/problem+json (RFC 9457), with a Chinese and an English message.

`title` is the English summary, `title_zh` its Chinese counterpart, `detail` the specific
message shown to Chinese users (from the engine or the validation), and `errors` the
field errors of a 422.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Response

TITLES = {
    400: ("Bad request", "请求有误"),
    401: ("Authentication required: send 'Authorization: Bearer <token>'", "未提供有效的访问令牌"),
    403: ("Forbidden: your roles and jurisdictions do not allow this", "您没有办理该事项的权限"),
    404: ("Not found", "找不到该资源"),
    405: ("Method not allowed", "不支持该操作"),
    409: (
        "Conflict: changed by someone else meanwhile, or not possible in the current state",
        "该事项已由他人办理或更新，或当前环节不能执行该操作",
    ),
    413: ("Payload too large", "提交的内容过大"),
    422: ("Validation failed: see 'errors'", "提交的内容未通过校验"),
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
    if errors:
        body["errors"] = {k or "_": str(v) for k, v in errors.items()}
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json"
    )
    for k, v in (headers or {}).items():
        response.headers[k] = v
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
