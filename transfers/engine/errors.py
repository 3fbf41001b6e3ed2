"""Errors the engine raises; each carries a message for the user (Chinese)."""

from __future__ import annotations

from collections.abc import Mapping

from workflows.base import InvalidAction, RuleViolation, WorkflowError
from workflows.i18n import gettext as _

__all__ = [
    "EngineError",
    "InvalidAction",
    "NotFound",
    "PermissionDenied",
    "RuleViolation",
    "StaleVersion",
    "WorkflowError",
]


class EngineError(WorkflowError):
    status = 400


class NotFound(EngineError):
    status = 404


class PermissionDenied(EngineError):
    status = 403

    def __init__(self, message: str | None = None):
        super().__init__(message or _("您没有办理该事项的权限"))


class StaleVersion(EngineError):
    status = 409

    def __init__(self, message: str | None = None):
        super().__init__(message or _("该事项已由他人办理或更新，请刷新页面后查看最新状态"))


class DuplicateCase(EngineError):
    status = 409

    def __init__(self, message: str, errors: Mapping[str, str] | None = None):
        super().__init__(message)
        self.errors = dict(errors or {})
