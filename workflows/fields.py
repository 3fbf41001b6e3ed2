"""Form fields of an action, and how raw form or API values become case data."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, TypeAlias

from workflows.context import Context
from workflows.i18n import gettext as _

FieldKind = Literal["text", "textarea", "date", "month", "choice", "bool", "int"]

Choices: TypeAlias = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Offer:
    """One option of a choice that depends on the case: offered, or not and why.

    `refusal` is the specific reason this case may not take the option (already
    translated, e.g. why this household may not register at a village group); "" when
    the option is offered.
    """

    value: str
    label: str
    refusal: str = ""


Offers: TypeAlias = Callable[[Context], Sequence[Offer]]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: FieldKind = "text"
    required: bool = True
    choices: Choices = ()  # fixed options
    help: str = ""
    max_length: int = 200
    default: Callable[[Context], Any] | None = None
    # Options that depend on the case (instead of `choices`): a form offers those
    # without a refusal; a submitted one that is refused gets its own reason.
    offers: Offers | None = None

    def resolve_choices(self, ctx: Context) -> list[tuple[str, str]]:
        """The options offered in this context, as (value, label)."""
        if self.offers is None:
            return list(self.choices)
        return [(o.value, o.label) for o in self.offers(ctx) if not o.refusal]

    def refusal(self, value: str, ctx: Context) -> str:
        """Why `value`, an option of this field, is not offered here, as a message; ""
        when it is offered or is no option at all."""
        offers = self.offers(ctx) if self.offers is not None else ()
        refused = next((o for o in offers if o.value == value and o.refusal), None)
        if refused is None:
            return ""
        return _(
            "不能选择“%(option)s”：%(reason)s", option=_(refused.label), reason=refused.refusal
        )


def today(ctx: Context) -> str:
    """The default of a date field that records when something was done: today."""
    return ctx.today.isoformat()


def clean(
    fields: Iterable[Field], raw: Mapping[str, Any], ctx: Context
) -> tuple[dict[str, Any], dict[str, str]]:
    """Coerce raw form/API values to JSON-friendly values; return (values, errors).

    Dates become ISO strings, months "YYYY-MM", booleans bool, ints int.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in fields:
        value = raw.get(f.name)
        if isinstance(value, str):
            value = value.strip()
        empty = value is None or value == "" or (f.kind == "bool" and value in (False,))
        if f.kind == "bool":
            values[f.name] = value in (True, "y", "on", "true", "1", 1, "yes")
            if f.required and not values[f.name]:
                errors[f.name] = _("请确认“%(label)s”", label=_(f.label))
            continue
        if empty:
            if f.required:
                errors[f.name] = _("请填写“%(label)s”", label=_(f.label))
            else:
                values[f.name] = None
            continue
        try:
            values[f.name] = _coerce(f, value, ctx)
        except ValueError as e:
            errors[f.name] = str(e)
    return values, errors


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def _coerce(f: Field, value: Any, ctx: Context) -> Any:
    if f.kind in ("text", "textarea"):
        text = str(value)
        if len(text) > f.max_length:
            raise ValueError(_("“%(label)s”不能超过%(n)s个字", label=_(f.label), n=f.max_length))
        return text
    if f.kind == "int":
        try:
            number = int(str(value))
        except ValueError:
            raise ValueError(_("“%(label)s”应为整数", label=_(f.label))) from None
        if number < 0:
            raise ValueError(_("“%(label)s”不能为负数", label=_(f.label)))
        return number
    if f.kind == "date":
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError(_("“%(label)s”日期格式应为 2026-11-27", label=_(f.label))) from None
    if f.kind == "month":
        m = _MONTH.match(str(value))
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(_("“%(label)s”月份格式应为 2026-11", label=_(f.label)))
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    if f.kind == "choice":
        allowed = dict(f.resolve_choices(ctx))
        if str(value) not in allowed:
            refused = f.refusal(str(value), ctx)
            raise ValueError(refused or _("“%(label)s”的选项无效", label=_(f.label)))
        return str(value)
    raise ValueError(f"unknown field kind {f.kind}")  # pragma: no cover
