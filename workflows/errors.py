"""Errors a user can be shown when a procedure refuses an action."""

from __future__ import annotations

from collections.abc import Mapping


class WorkflowError(Exception):
    """Base class of errors a user can be shown."""


class InvalidAction(WorkflowError):
    """The action does not exist in the case's current state, or its conditions fail."""


class RuleViolation(WorkflowError):
    """The action exists but the data or facts do not satisfy the policy."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("；".join(self.errors.values()))
