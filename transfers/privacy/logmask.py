"""Keep ID numbers out of application logs (docs/policy.md; issue 9 "no personal data in
logs"). Every log record is masked when it is created, whoever logs it and whichever
handler writes it; the SQL parameters of failing statements are hidden by the engine
option `hide_parameters` (set in create_app)."""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

# 18-character resident ID numbers: six area digits, eight birth-date digits, three
# sequence digits and a check digit or X; not part of a longer run of digits/letters.
ID_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")


def mask_text(text: str) -> str:
    return ID_NUMBER_RE.sub(r"\1********\2", text)


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string is logged as is
        message = str(record.msg)
    record.msg, record.args = mask_text(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    return record


class MaskIdNumbers(logging.Filter):
    """The same masking as a filter, for handlers a deployment adds itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


_installed = False


def install_log_masking() -> None:
    """Wrap the log record factory once per process so every record is masked."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True
