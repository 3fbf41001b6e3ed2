"""WTForms built from a procedure's action fields: one generic form for every action."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
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

from transfers.forms import ChineseMeta, select_choices
from workflows.base import Action, Context
from workflows.i18n import gettext as translate


class VersionedForm(FlaskForm):
    """Carries the case version the page was rendered with (optimistic locking)."""

    class Meta(ChineseMeta):
        pass

    version = HiddenField()


def action_form_class(action: Action, ctx: Context) -> type[VersionedForm]:
    attrs: dict[str, Any] = {}
    for f in action.fields:
        validators: list[Any] = [] if f.kind == "bool" else [Optional()]
        kw: dict[str, Any] = {"description": translate(f.help), "validators": validators}
        label = translate(f.label)  # workflow labels are collected by transfers.i18n_extract
        if f.kind == "choice":
            choices = [(value, translate(text)) for value, text in f.resolve_choices(ctx)]
            attrs[f.name] = SelectField(
                label, choices=select_choices([("", _l("请选择"))] + choices), **kw
            )
        elif f.kind == "bool":
            attrs[f.name] = BooleanField(label, **kw)
        elif f.kind == "textarea":
            attrs[f.name] = TextAreaField(label, **kw)
        elif f.kind == "date":
            attrs[f.name] = StringField(label, render_kw={"type": "date"}, **kw)
        elif f.kind == "month":
            attrs[f.name] = StringField(label, render_kw={"type": "month"}, **kw)
        elif f.kind == "int":
            attrs[f.name] = StringField(label, render_kw={"inputmode": "numeric"}, **kw)
        else:
            attrs[f.name] = StringField(label, render_kw={"maxlength": f.max_length}, **kw)
    return type(f"{action.trigger.title()}Form", (VersionedForm,), attrs)


def form_defaults(action: Action, ctx: Context) -> dict[str, Any]:
    return {f.name: f.default(ctx) for f in action.fields if f.default is not None}


def required_names(action: Action) -> set[str]:
    return {f.name for f in action.fields if f.required}


class DocumentForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    version = HiddenField()
    file = FileField(_l("选择文件"), validators=[DataRequired(_l("请选择要上传的文件"))])
    description = StringField(
        _l("材料名称"), validators=[InputRequired(_l("请填写材料名称")), Length(max=200)]
    )


__all__ = ["DateField", "IntegerField"]
