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
