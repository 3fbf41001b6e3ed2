"""Resident ID numbers (居民身份证号码, GB 11643-1999) via python-stdnum's cn.ric."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from workflows.i18n import gettext as _

_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")


PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82".split()
)


class InvalidIdNumber(ValueError):
    """Raised with a message in Chinese, meant to be shown to the clerk as is."""


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: date
    sex: str  # "M" or "F"

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)


def normalize(raw: str) -> str:
    return (raw or "").strip().translate(_FULLWIDTH).replace(" ", "").upper()


@lru_cache(maxsize=8192)
def parse_id_number(raw: str) -> IdNumber:
    """Validate an 18-character resident ID number (length, date, MOD 11-2 check digit).

    Cached (a valid number only: a refusal raises, and is worded in the reader's
    language each time): one registration parses each number at several steps, and
    python-stdnum's parsing was a third of a large import's time."""
    number = normalize(raw)
    if not number:
        raise InvalidIdNumber(_("请填写身份证号码"))
    if len(number) != 18:
        raise InvalidIdNumber(_("身份证号码应为18位，当前为%(n)s位", n=len(number)))
    # Not ric.validate(): it also rejects a region code that did not exist at the birth
    # date, but numbers are assigned where the person registered, often later.
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumber(_("身份证号码前17位应为数字，最后一位为数字或X"))
    if number[:2] not in PROVINCE_CODES:
        raise InvalidIdNumber(_("身份证号码前两位不是有效的省级行政区划代码"))
    try:
        birth = ric.get_birth_date(number)
    except ValidationError as e:
        raise InvalidIdNumber(_("身份证号码中的出生日期无效")) from e
    if birth > date.today() or birth.year < 1890:
        raise InvalidIdNumber(_("身份证号码中的出生日期无效"))
    if ric.calc_check_digit(number) != number[17]:  # stdnum wants the whole number
        raise InvalidIdNumber(_("身份证号码校验位不正确，请核对后重新输入"))
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumber(number=number, birth_date=birth, sex=sex)


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits (used by the demo)."""
    return ric.calc_check_digit(first17 + "0")  # stdnum ignores the last character


def mask_id_number(number: str) -> str:
    """First 6 and last 4 visible: 411221********1234 (docs/policy.md, personal data)."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_name(name: str) -> str:
    """张*华 / 李* : keep the first and (for 3+ characters) the last character."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
