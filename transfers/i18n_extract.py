"""A Babel extractor that collects the labels of the pure workflow layer.

``workflows/`` defines states, actions, fields, roles and levels with plain Chinese
labels (no gettext calls at import time, no Flask). This extractor, named in
``babel.cfg``, walks the loaded definitions and yields every label so the catalog holds
them; templates and views translate them where they are shown (``_(state.label)``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from enum import Enum
from typing import Any

CJK = re.compile(r"[\u3400-\u9fff]")
TEXT_ATTRS = ("label", "outcome_label", "help", "confirm", "description")


def workflow_labels() -> list[str]:
    """Every user-visible string defined in ``workflows/``, in a stable order."""
    from workflows import calendar, roles, scope, sites
    from workflows.registry import PROCEDURES

    seen: dict[str, None] = {}

    def add(text: Any) -> None:
        if isinstance(text, str) and CJK.search(text):
            seen.setdefault(text, None)

    def add_attrs(obj: Any) -> None:
        for attr in TEXT_ATTRS:
            add(getattr(obj, attr, None))

    for procedure in PROCEDURES.values():
        add_attrs(procedure)
        for label in procedure._labels.values():
            add(label)
        for choices in procedure._choice_labels.values():
            for label in choices.values():
                add(label)
        for state in procedure.states.values():
            add_attrs(state)
        for action in procedure.actions:
            add_attrs(action)
            for f in action.fields:
                add_attrs(f)
                if not callable(f.choices):
                    for _value, label in f.choices:
                        add(label)
    # Every loaded workflow module (the registry imports each procedure's module).
    procedure_modules = [
        sys.modules[name] for name in sorted(sys.modules) if name.startswith("workflows.")
    ]
    for module in procedure_modules:
        # Option labels kept in module-level tables (e.g. KIND_LABELS, DECISION_LABELS).
        for name, obj in vars(module).items():
            if name.isupper() and name.endswith("LABELS") and isinstance(obj, dict):
                for label in obj.values():
                    add(label)
    for module in (roles, calendar, sites, scope, *procedure_modules):
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Enum):
                for member in obj:
                    try:
                        add(member.label)  # type: ignore[attr-defined]  # only some enums have labels
                    except (AttributeError, KeyError):
                        pass
    return list(seen)


def extract_workflow_labels(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    for lineno, text in enumerate(workflow_labels(), start=1):
        yield lineno, "", text, ["workflow label"]
