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
    Stepped,
    act,
    build_context,
    claim,
    open_case,
    open_task,
    release,
    step,
)

__all__ = [
    "EngineError",
    "InvalidAction",
    "NotFound",
    "PermissionDenied",
    "RuleViolation",
    "StaleVersion",
    "Stepped",
    "WorkflowError",
    "act",
    "build_context",
    "claim",
    "open_case",
    "open_task",
    "release",
    "step",
]
