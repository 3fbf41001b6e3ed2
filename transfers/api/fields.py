"""marshmallow fields and validators that speak Chinese: their own `error_messages`
(marshmallow's `default_error_messages` per field class), so a 422 names the problem in
the language of the users, with no translation step afterwards."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from marshmallow import Schema, fields, validate

_FIELD = {
    "required": "此项为必填项",
    "null": "此项不能为空",
    "validator_failed": "取值无效",
}
NUL = "不能含有空字符（\\0）"


def _has_nul(value: Any) -> bool:
    """NUL cannot be stored in PostgreSQL text; refuse it at the door."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class ChineseSchema(Schema):
    """Base of every API schema: its schema-level messages in Chinese."""

    error_messages = {"unknown": "未知字段", "type": "应为 JSON 对象"}


class Str(fields.String):
    default_error_messages = {
        **_FIELD,
        "invalid": "应为文本",
        "invalid_utf8": "不是有效的 UTF-8 文本",
        "nul": NUL,
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if _has_nul(text):
            raise self.make_error("nul")
        return text


class Int(fields.Integer):
    default_error_messages = {**_FIELD, "invalid": "应为整数", "too_large": "数值过大"}


class Bool(fields.Boolean):
    default_error_messages = {**_FIELD, "invalid": "应为 true 或 false"}


class Date(fields.Date):
    default_error_messages = {
        **_FIELD,
        "invalid": "日期格式应为 2026-11-27",
        "format": "日期无法按格式输出",
    }


class DateTime(fields.DateTime):
    default_error_messages = {**_FIELD, "invalid": "时间格式应为 ISO 8601"}


class List(fields.List[Any]):
    default_error_messages = {**_FIELD, "invalid": "应为列表"}


class Nested(fields.Nested):
    default_error_messages = {**_FIELD, "type": "应为对象"}


class Dict(fields.Dict):
    default_error_messages = {**_FIELD, "invalid": "应为对象"}


class JsonValue(fields.Raw):
    """Any JSON value (an action's field), without NUL characters."""

    default_error_messages = {**_FIELD, "nul": NUL}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if _has_nul(value):
            raise self.make_error("nul")
        return value


def one_of(values: Iterable[str]) -> validate.OneOf:
    return validate.OneOf(list(values), error="须为以下之一：{choices}")


def length(*, min: int | None = None, max: int | None = None) -> validate.Length:  # noqa: A002
    if min is not None and max is not None:
        return validate.Length(min=min, max=max, error="长度应在 {min} 至 {max} 之间")
    if max is not None:
        return validate.Length(max=max, error="长度不能超过 {max}")
    return validate.Length(min=min, error="长度不能少于 {min}")


def exactly(count: int) -> validate.Length:
    return validate.Length(equal=count, error="长度应为 {equal}")


def between(low: int, high: int) -> validate.Range:
    return validate.Range(min=low, max=high, error="应在 {min} 至 {max} 之间")
