"""Shared form helpers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms.fields.choices import SelectChoice


def select_choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms SelectChoice objects."""
    return [SelectChoice(value=v, label=label) for v, label in pairs]


class ChineseMeta:
    """WTForms' own messages ("Not a valid choice") in Chinese."""

    locales = ("zh",)


class TextErrors:
    """Mixin for forms whose validator messages are ``lazy_gettext`` strings: after
    validation the errors are plain text in the interface language (templates test
    ``is string``)."""

    def validate(self, extra_validators=None):  # type: ignore[no-untyped-def]
        valid = super().validate(extra_validators)  # type: ignore[misc]
        for f in self:  # type: ignore[attr-defined]
            if isinstance(f.errors, list):
                f.errors = [e if isinstance(e, str | dict | list) else str(e) for e in f.errors]
        return valid
