"""WTForms built from a procedure's action fields: one generic form for every action."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from transfers.forms import ChineseForm, select_choices
from workflows.base import Action, Context
from workflows.fields import Field
from workflows.i18n import gettext as translate


class VersionedForm(ChineseForm):
    """Carries the case version the page was rendered with (optimistic locking)."""

    version = HiddenField()


def action_form_class(action: Action, ctx: Context) -> type[VersionedForm]:
    attrs: dict[str, Any] = {f.name: form_field(f, ctx) for f in action.fields}
    return type(f"{action.trigger.title()}Form", (VersionedForm,), attrs)


def form_field(f: Field, ctx: Context, *, label: str | None = None) -> Any:
    """The WTForms field (unbound) for one of an action's fields in this context."""
    validators: list[Any] = [] if f.kind == "bool" else [Optional()]
    kw: dict[str, Any] = {"description": translate(f.help), "validators": validators}
    # workflow labels are collected by transfers.i18n_extract
    label = label if label is not None else translate(f.label)
    if f.kind == "choice":
        choices = [(value, translate(text)) for value, text in f.resolve_choices(ctx)]
        return SelectField(label, choices=select_choices([("", _l("请选择"))] + choices), **kw)
    if f.kind == "bool":
        return BooleanField(label, **kw)
    if f.kind == "textarea":
        return TextAreaField(label, **kw)
    if f.kind in ("date", "month"):
        return StringField(label, render_kw={"type": f.kind}, **kw)
    if f.kind == "int":
        return StringField(label, render_kw={"inputmode": "numeric"}, **kw)
    return StringField(label, render_kw={"maxlength": f.max_length}, **kw)


def form_defaults(action: Action, ctx: Context) -> dict[str, Any]:
    return {f.name: f.default(ctx) for f in action.fields if f.default is not None}


def required_names(action: Action) -> set[str]:
    return {f.name for f in action.fields if f.required}


class DocumentForm(ChineseForm):
    version = HiddenField()
    file = FileField(_l("选择文件"), validators=[DataRequired(_l("请选择要上传的文件"))])
    description = StringField(
        _l("材料名称"), validators=[InputRequired(_l("请填写材料名称")), Length(max=200)]
    )


__all__ = ["DateField", "IntegerField"]
