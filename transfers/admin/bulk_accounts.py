"""Accounts for a county's offices from one spreadsheet: 角色, 管辖区域, 姓名, 手机号.

`check_rows` finds every fault at its row (nothing is created while one remains);
`create_accounts` makes all the accounts in one transaction, the user name being the
mobile number, each with a random initial password that is returned once (to be
printed) and must be changed at first login. The CLI and the admin page share both.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass, field

from sqlalchemy import select

from transfers.admin.services import grant_level_error
from transfers.admin.sheets import SheetRow
from transfers.auth.models import RoleGrant, User
from transfers.extensions import db
from transfers.jurisdictions.lookup import PlaceNotFound, resolve
from transfers.jurisdictions.models import Jurisdiction
from workflows.i18n import gettext as _
from workflows.roles import ROLE_LABELS, Role

COLUMNS: dict[str, tuple[str, ...]] = {
    "role": ("角色", "role", "岗位", "单位类型"),
    "place": ("管辖区域", "辖区", "管辖范围", "所属区划", "区划代码", "jurisdiction"),
    "name": ("姓名", "name", "联系人"),
    "phone": ("手机号", "手机号码", "手机", "联系电话", "phone"),
}

# The names offices give themselves, besides the labels of workflows.roles.
ROLE_NAMES: dict[str, Role] = {
    **{label: role for role, label in ROLE_LABELS.items()},
    **{role.value: role for role in Role},
    "村工作人员": Role.VILLAGE_STAFF,
    "社区工作人员": Role.VILLAGE_STAFF,
    "村(社区)工作人员": Role.VILLAGE_STAFF,
    "村委会": Role.VILLAGE_STAFF,
    "居委会": Role.VILLAGE_STAFF,
    "村干部": Role.VILLAGE_STAFF,
    "股份经济合作社": Role.COLLECTIVE_ORG,
    "经济合作社": Role.COLLECTIVE_ORG,
    "集体经济组织": Role.COLLECTIVE_ORG,
    "村党支部": Role.ORIGIN_PARTY_ORG,
    "社区党支部": Role.ORIGIN_PARTY_ORG,
    "村党委": Role.ORIGIN_PARTY_ORG,
    "党支部": Role.ORIGIN_PARTY_ORG,
    "镇党委": Role.TOWNSHIP_PARTY_COMMITTEE,
    "乡党委": Role.TOWNSHIP_PARTY_COMMITTEE,
    "街道党工委": Role.TOWNSHIP_PARTY_COMMITTEE,
    "县委组织部": Role.COUNTY_ORG_DEPT,
    "区委组织部": Role.COUNTY_ORG_DEPT,
    "组织部": Role.COUNTY_ORG_DEPT,
    "公安派出所": Role.POLICE_STATION,
    "乡镇人民政府": Role.TOWNSHIP_GOVERNMENT,
    "乡镇政府": Role.TOWNSHIP_GOVERNMENT,
    "镇政府": Role.TOWNSHIP_GOVERNMENT,
    "乡政府": Role.TOWNSHIP_GOVERNMENT,
    "街道办事处": Role.TOWNSHIP_GOVERNMENT,
    "街道办": Role.TOWNSHIP_GOVERNMENT,
    "民政所": Role.TOWNSHIP_GOVERNMENT,
    "民政局": Role.CIVIL_AFFAIRS_BUREAU,
    "县民政局": Role.CIVIL_AFFAIRS_BUREAU,
    "区民政局": Role.CIVIL_AFFAIRS_BUREAU,
    "社保中心": Role.SOCIAL_INSURANCE_AGENCY,
    "社会保险中心": Role.SOCIAL_INSURANCE_AGENCY,
    "社保局": Role.SOCIAL_INSURANCE_AGENCY,
    "医保中心": Role.MEDICAL_INSURANCE_AGENCY,
    "医疗保障中心": Role.MEDICAL_INSURANCE_AGENCY,
    "医保局": Role.MEDICAL_INSURANCE_AGENCY,
    "医疗保障局": Role.MEDICAL_INSURANCE_AGENCY,
    "镇督查": Role.TOWNSHIP_SUPERVISOR,
    "乡督查": Role.TOWNSHIP_SUPERVISOR,
    "县督查": Role.COUNTY_SUPERVISOR,
    "区督查": Role.COUNTY_SUPERVISOR,
    "督查室": Role.COUNTY_SUPERVISOR,
    "管理员": Role.ADMIN,
}
PHONE = re.compile(r"^1\d{10}$")
# Letters and digits but 0/O, 1/l/I: an initial password is read off paper.
ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
PASSWORD_LENGTH = 10


def role_named(text: str) -> Role | None:
    key = text.replace(" ", "").replace("（", "(").replace("）", ")")
    return ROLE_NAMES.get(key) or ROLE_NAMES.get(key.replace("(", "（").replace(")", "）"))


@dataclass
class AccountRow:
    number: int
    role_text: str
    place_text: str
    name: str
    phone: str
    role: Role | None = None
    jurisdiction: Jurisdiction | None = None
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CreatedAccount:
    number: int
    username: str
    name: str
    role_label: str
    place: str
    password: str


def _check_row(row: AccountRow, paths: list[str] | None, seen: dict[str, int]) -> None:
    row.role = role_named(row.role_text)
    if row.role is None:
        unknown = _("角色“%(text)s”无法识别", text=row.role_text)
        row.errors.append(unknown if row.role_text else _("请填写角色"))
    if not row.place_text:
        row.errors.append(_("请填写管辖区域"))
    else:
        try:
            row.jurisdiction = resolve(row.place_text, paths if paths is not None else [""])
        except PlaceNotFound as e:
            row.errors.append(str(e))
    if row.role is not None and row.jurisdiction is not None:
        if (problem := grant_level_error(row.role, row.jurisdiction)) is not None:
            row.errors.append(problem)
    if not row.name:
        row.errors.append(_("请填写姓名"))
    elif len(row.name) > 40:
        row.errors.append(_("姓名不能超过40个字"))
    if not PHONE.match(row.phone):
        row.errors.append(_("手机号应为11位数字，以1开头") if row.phone else _("请填写手机号"))
    elif row.phone in seen:
        row.errors.append(_("手机号与第%(n)s行重复", n=seen[row.phone]))
    else:
        seen[row.phone] = row.number


def check_rows(sheet: list[SheetRow], paths: list[str] | None) -> list[AccountRow]:
    """Every row with its faults. `paths`: the administrator's area (None: everywhere,
    for the operator's command line)."""
    rows = [
        AccountRow(
            r.number,
            r.cells["role"],
            r.cells["place"],
            r.cells["name"],
            r.cells["phone"].replace(" ", "").replace("-", ""),
        )
        for r in sheet
    ]
    seen: dict[str, int] = {}
    for row in rows:
        _check_row(row, paths, seen)
    phones = [r.phone for r in rows if PHONE.match(r.phone)]
    taken = set(db.session.scalars(select(User.username).where(User.username.in_(phones))))
    for row in rows:
        if row.phone in taken:
            row.errors.append(_("手机号%(phone)s已有账号", phone=row.phone))
    return rows


def create_accounts(rows: list[AccountRow]) -> list[CreatedAccount]:
    """Create every account of checked rows without faults; refuse them all otherwise."""
    if any(r.errors or r.role is None or r.jurisdiction is None for r in rows):
        raise ValueError("rows with faults are never created")
    created = []
    for row in rows:
        assert row.role is not None and row.jurisdiction is not None  # checked above
        password = "".join(secrets.choice(ALPHABET) for _ in range(PASSWORD_LENGTH))
        user = User(username=row.phone, display_name=row.name, session_token="")
        user.set_password(password)
        user.must_change_password = True
        user.grants.append(RoleGrant(role=str(row.role), jurisdiction=row.jurisdiction))
        db.session.add(user)
        created.append(
            CreatedAccount(
                row.number,
                row.phone,
                row.name,
                row.role.label,
                row.jurisdiction.full_name,
                password,
            )
        )
    db.session.flush()
    return created
