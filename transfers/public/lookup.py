"""A resident's lookup of their household's cases (查询), for the web form and the API.

The pair asked for is a receipt number and the last four characters of a member's ID
number. Both are normalised first (full-width characters, spaces of any kind, dashes in
the receipt number), then the tail must be exactly four of 0-9 or X: an empty or short
tail never matches. Limits are counted per receipt number as well as per address, so a
guessed receipt number is throttled wherever the guesses come from, while residents who
share a village hall's address do not lock each other out.
"""

from __future__ import annotations

import re
import unicodedata

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select

from transfers.cases.models import Intake
from transfers.extensions import db
from transfers.public.progress import CaseProgress, case_progress

# Per receipt number, and per address (looser: one address may be a whole village hall).
PER_RECEIPT = "10 per minute;60 per hour"
PER_ADDRESS = "30 per minute;300 per hour"

_TAIL = re.compile(r"[0-9X]{4}")
_RECEIPT = re.compile(r"(\d{6})-?(\d{8})-?(\d{4})")


def _plain(raw: str) -> str:
    """NFKC (full-width to ASCII) with every kind of space removed, upper case."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(ch for ch in text if not ch.isspace()).upper()


def normalize_tail(raw: str) -> str | None:
    """The four last ID characters, or None unless exactly four of 0-9 or X remain."""
    tail = _plain(raw)
    return tail if _TAIL.fullmatch(tail) else None


def normalize_receipt(raw: str) -> str:
    """`411221-20261127-0001`, with or without dashes, as it is stored."""
    text = _plain(raw).replace("—", "-").replace("－", "-")
    m = _RECEIPT.fullmatch(text)
    return "-".join(m.groups()) if m else text


def receipt_key() -> str:
    """The rate-limit key of a lookup: the receipt number asked for, in either door."""
    raw = request.form.get("receipt_no") or request.args.get("receipt_no") or ""
    return "lookup:" + normalize_receipt(raw)


class LookupRefused(ValueError):
    """A lookup that shows nothing, with the reason every door shows: `field` names the
    input at fault, None when the pair simply does not match."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def tail_error(raw: str) -> str | None:
    """Why an ID tail cannot be asked for (blank, or not four of 0-9 or X), else None."""
    if not _plain(raw):
        return str(_("请输入身份证号码后四位"))
    if normalize_tail(raw) is None:
        return str(_("请输入身份证号码后四位（4位数字，末位可为X）"))
    return None


def find_status(receipt_no: str, id_tail: str) -> list[CaseProgress]:
    """The lookup of both doors: the case rows, or LookupRefused with its reason."""
    if not _plain(receipt_no):
        raise LookupRefused(_("请输入办件编号"), "receipt_no")
    if error := tail_error(id_tail):
        raise LookupRefused(error, "id_tail")
    rows = lookup(receipt_no, id_tail)
    if rows is None:
        raise LookupRefused(_("未查询到办件。请核对办件编号和身份证号码后四位。"))
    return rows


def lookup(receipt_no: str, id_tail: str) -> list[CaseProgress] | None:
    """Case states of the household, or None when the pair does not match.

    Reveals no full names, ID numbers or addresses: masked names, procedures, steps,
    offices, due dates and what the family has to do (transfers/public/progress.py).
    """
    tail = normalize_tail(id_tail)
    if tail is None:
        return None
    receipt = normalize_receipt(receipt_no)
    intake = db.session.scalar(select(Intake).where(Intake.receipt_no == receipt))
    if intake is None:
        return None
    members = intake.household.members
    if not any(p.id_number.upper().endswith(tail) for p in members):
        return None
    return case_progress(intake.household_id, list(members))
