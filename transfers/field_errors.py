"""The refusal of a domain service that checks a form's worth of input at once."""

from __future__ import annotations

from collections.abc import Mapping


class FieldErrors(ValueError):
    """Errors keyed by form field; nothing is saved. The message joins them all."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("；".join(self.errors.values()))
