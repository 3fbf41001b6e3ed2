"""Enumerations whose members carry the label people read."""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class LabelledEnum(StrEnum):
    """A string enumeration whose members are written `NAME = "value", "label"`.

    The value is what is stored; `label` is the Chinese source text people read,
    translated where it is shown (the catalog collects every member's label).
    """

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member
