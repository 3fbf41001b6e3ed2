"""The engine: the one place that moves cases. See service.py."""

from transfers.engine.errors import (
    EngineError,
    InvalidAction,
    NotFound,
    PermissionDenied,
    RuleViolation,
    StaleVersion,
    WorkflowError,
)
from transfers.engine.service import (
    Moved,
    act,
    build_context,
    claim,
    open_case,
    open_task,
    release,
)

__all__ = [
    "EngineError",
    "InvalidAction",
    "Moved",
    "NotFound",
    "PermissionDenied",
    "RuleViolation",
    "StaleVersion",
    "WorkflowError",
    "act",
    "build_context",
    "claim",
    "open_case",
    "open_task",
    "release",
]
