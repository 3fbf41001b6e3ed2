"""Shared form helpers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import has_request_context
from flask_wtf import FlaskForm
from wtforms import Form
from wtforms.fields.choices import SelectChoice


def select_choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms SelectChoice objects."""
    return [SelectChoice(value=v, label=label) for v, label in pairs]


def first_errors(form: Form) -> dict[str, str]:
    """The first message of each field a submitted form refused, by field name."""
    return {name: str(messages[0]) for name, messages in form.errors.items() if messages}


class ChineseMeta:
    """WTForms' own messages ("Not a valid choice") in the interface language.

    Chinese by default; English when the user switched (WTForms' source text is English).
    """

    locales = ("zh",)

    def get_translations(self, form: Any) -> Any:
        from transfers.i18n import is_chinese

        if has_request_context() and not is_chinese():
            return None  # WTForms' built-in English messages
        # A mixin: WTForms' DefaultMeta follows it in a form's Meta.
        return super().get_translations(form)  # type: ignore[misc]


class ChineseForm(FlaskForm):
    """The base of the interface's forms: Flask-WTF's (CSRF-protected) form whose WTForms
    messages follow the interface language (`ChineseMeta`)."""

    class Meta(ChineseMeta):
        pass
