"""Structured logs: one JSON object a line on standard error (LOG_FORMAT=json), ID numbers
masked as in every other log record."""

from __future__ import annotations

import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from transfers.privacy.logmask import MaskIdNumbers, mask_text

FIELDS = ["asctime", "levelname", "name", "message", "process"]


class MaskedJsonFormatter(JsonFormatter):
    """JSON lines whose every text value is masked, extra fields included (they are set
    on a record after the record factory has masked its message)."""

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {k: mask_text(v) if isinstance(v, str) else v for k, v in log_data.items()}


def json_handler() -> logging.Handler:
    handler = logging.StreamHandler()
    handler.setFormatter(MaskedJsonFormatter(FIELDS, rename_fields={"levelname": "level"}))
    handler.addFilter(MaskIdNumbers())
    return handler


def configure_json_logs() -> None:
    """Send every record of the process, as JSON, to standard error (the journal, under
    systemd), replacing the root logger's handlers."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(json_handler())
    root.setLevel(logging.INFO)
