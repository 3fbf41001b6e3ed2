"""Office telephones (咨询电话, printed on the receipt): which offices an administrator
sees, and a number checked against the Chinese mainland formats before it is kept."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import Select, or_, select

from transfers.admin.services import AdminError, admin_paths, administers
from transfers.auth.models import User
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from transfers.visibility import within_paths
from workflows.i18n import gettext as _

# A landline: the area code (010 and 02x have three digits and eight-digit numbers; the
# others four digits and seven or eight), the number (never starting with 0 or 1), and
# an optional extension. A mobile number: eleven digits, 13x to 19x.
_LANDLINE = re.compile(
    r"(?:(?P<short>0[12]\d)(?P<eight>[2-9]\d{7})|(?P<long>0[3-9]\d{2})(?P<number>[2-9]\d{6,7}))"
    r"(?:(?:-|转|ext\.?)(?P<ext>\d{1,6}))?"
)
_MOBILE = re.compile(r"(?:\+?86)?(?P<mobile>1[3-9]\d{9})")


def normalize_phone(text: str) -> str:
    """The number written the one way the receipt prints it (0398-4811025,
    010-62345678-801, 13812345678), or "" for none; `AdminError` when it is neither a
    mainland landline nor a mobile number."""
    plain = unicodedata.normalize("NFKC", text).strip().lower()
    if not plain:
        return ""
    # Spaces and brackets around the area code are common ways of writing it.
    squeezed = re.sub(r"[\s()]", "", plain)
    if m := _MOBILE.fullmatch(squeezed.replace("-", "")):
        return m["mobile"]
    # The dash between area code and number is optional; one before an extension is kept.
    if m := _LANDLINE.fullmatch(re.sub(r"^(0\d{2,3})-", r"\1", squeezed, count=1)):
        area, number = (m["short"], m["eight"]) if m["short"] else (m["long"], m["number"])
        return f"{area}-{number}" + (f"-{m['ext']}" if m["ext"] else "")
    raise AdminError(
        {
            "phone": _(
                "电话号码“%(text)s”格式不正确：固定电话应为区号加号码，如 0398-4811025；"
                "手机号应为11位数字，以1开头",
                text=text.strip(),
            )
        }
    )


def offices_query(admin: User, q: str) -> Select[Jurisdiction]:
    """The places (offices) in the administrator's area, in tree order; `q` narrows
    them by name or division code."""
    query = select(Jurisdiction).where(within_paths(Jurisdiction.path, admin_paths(admin)))
    if q:
        query = query.where(
            or_(
                Jurisdiction.name.contains(q, autoescape=True),
                Jurisdiction.code.startswith(q, autoescape=True),
            )
        )
    return query.order_by(Jurisdiction.path)


def set_office_phone(admin: User, jurisdiction_id: int, text: str) -> Jurisdiction:
    """Keep an office's telephone (checked and normalized; empty clears it)."""
    office = db.session.get(Jurisdiction, jurisdiction_id)
    if office is None or not administers(admin, office):
        raise AdminError({"phone": _("只能修改本人管理的辖区的电话")})
    office.phone = normalize_phone(text)
    db.session.flush()
    return office
