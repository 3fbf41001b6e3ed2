"""Importing village ledgers: stage and validate (preview), then commit in chunks.

`stage_ledger` reads the file once, checks every row with the same rules as the
registration form (GB 11643 ID numbers, village-level division codes, one head per
household, the site in the destination village) and stores each row with its errors.
`import_step` then creates the households of the valid rows, a chunk at a time, with
bulk inserts. Re-importing a file is harmless: a person is identified by the ID number,
and one already registered is reported as such and never created twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import delete, func, insert, select, update

from transfers.auth.models import User
from transfers.extensions import db
from transfers.households.models import (
    ASSISTANCE_STATUS,
    MEDICAL_STATUS,
    PARTY_STATUS,
    PENSION_STATUS,
    RELATIONS,
    SETTLEMENT_MODES,
    Household,
    Person,
)
from transfers.households.services import initials
from transfers.imports.ledger import BY_KEY, HUKOU_STATUS, open_sheet, write_rows_xlsx
from transfers.imports.models import ImportBatch, ImportRow
from transfers.jurisdictions.models import Jurisdiction, Site
from workflows.i18n import gettext as _
from workflows.idcard import InvalidIdNumber, parse_id_number
from workflows.roles import Level

CHUNK_ROWS = 2000
CHUNK_HOUSEHOLDS = 1000
HOUSEHOLD_FACTS = (
    "lives_at_destination",
    "has_destination_housing",
    "has_destination_homestead",
    "has_destination_contracted_land",
)
_YES = {"是", "y", "yes", "true", "1", "√", "有"}
_NO = {"否", "n", "no", "false", "0", "×", "无", ""}


def _label_map(labels: dict[str, str]) -> dict[str, str]:
    return {label: code for code, label in labels.items()} | {code: code for code in labels}


_ENUMS = {
    "settlement_mode": _label_map(SETTLEMENT_MODES) | {"集中": "centralized", "分散": "scattered"},
    "party_status": _label_map(PARTY_STATUS)
    | {"群众": "none", "中共党员": "full", "党员": "full", "中共预备党员": "probationary"},
    "pension_status": _label_map(PENSION_STATUS),
    "medical_insurance": _label_map(MEDICAL_STATUS),
    "assistance": _label_map(ASSISTANCE_STATUS) | {"低保": "dibao_rural"},
    "hukou_status": _label_map(HUKOU_STATUS) | {"已迁移": "moved", "保留原籍": "kept"},
}
_DEFAULTS = {
    "party_status": "none",
    "pension_status": "contributing",
    "medical_insurance": "resident",
    "assistance": "none",
    "hukou_status": "not_moved",
}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


class Problems:
    """Errors of one row, each tied to a column header."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, key: str, message: str) -> None:
        self.items.append(
            {"column": BY_KEY[key].header if key in BY_KEY else key, "message": message}
        )


def parse_date(text: str) -> date:
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    m = _DATE.match(text)
    if not m:
        raise ValueError(text)
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


@dataclass
class _HouseholdSeen:
    first_row: int
    ref: tuple[Any, ...]
    heads: int = 0
    rows: int = 0
    bad: list[int] = field(default_factory=list)
    existing: int = 0


class _Lookups:
    """Jurisdictions and sites by code/name, cached for the batch."""

    def __init__(self, allowed_villages: set[int] | None):
        self.allowed = allowed_villages
        self.villages: dict[str, Jurisdiction | None] = {}
        self.sites: dict[tuple[int, str], int | None] = {}
        self.only_site: dict[int, int | None] = {}

    def village(self, code: str) -> Jurisdiction | None:
        if code not in self.villages:
            self.villages[code] = db.session.scalar(
                select(Jurisdiction).where(Jurisdiction.code == code)
            )
        return self.villages[code]

    def site(self, destination_id: int, name: str) -> int | None:
        key = (destination_id, name)
        if key not in self.sites:
            self.sites[key] = db.session.scalar(
                select(Site.id).where(Site.jurisdiction_id == destination_id, Site.name == name)
            )
        return self.sites[key]

    def single_site(self, destination_id: int) -> int | None:
        if destination_id not in self.only_site:
            ids = db.session.scalars(
                select(Site.id).where(
                    Site.jurisdiction_id == destination_id, Site.kind == "centralized"
                )
            ).all()
            self.only_site[destination_id] = ids[0] if len(ids) == 1 else None
        return self.only_site[destination_id]


def _yes_no(key: str, text: str, problems: Problems, default: bool) -> bool:
    low = text.lower()
    if text == "":
        return default
    if low in _YES:
        return True
    if low in _NO:
        return False
    problems.add(key, _("“%(column)s”应填写“是”或“否”", column=_(BY_KEY[key].header)))
    return default


def _enum(key: str, text: str, problems: Problems) -> str:
    if text == "":
        return _DEFAULTS.get(key, "")
    code = _ENUMS[key].get(text)
    if code is None:
        choices = "、".join(BY_KEY[key].choices)
        problems.add(
            key,
            _(
                "“%(value)s”不是有效的%(column)s，可选：%(choices)s",
                value=text,
                column=_(BY_KEY[key].header),
                choices=choices,
            ),
        )
        return _DEFAULTS.get(key, "")
    return code


def validate_row(
    cells: dict[str, str], numeric: set[str], lookups: _Lookups
) -> tuple[dict[str, Any], Problems]:
    """Check one ledger row; returns its normalized values and its problems."""
    p = Problems()
    v: dict[str, Any] = {}
    v["name"] = cells.get("name", "").replace(" ", "")
    if not v["name"]:
        p.add("name", _("请填写姓名"))
    elif len(v["name"]) > 40:
        p.add("name", _("姓名不能超过40个字"))
    raw_id = cells.get("id_number", "")
    if "id_number" in numeric:  # the digits are not the ones typed: never accept them
        raw_id = ""
    try:
        parsed = parse_id_number(raw_id)
        v["id_number"] = parsed.number
        v["sex"], v["birth_date"] = parsed.sex, parsed.birth_date.isoformat()
        sex = cells.get("sex", "")
        if sex and {"男": "M", "女": "F"}.get(sex) != parsed.sex:
            p.add("sex", _("性别与身份证号码不符"))
    except InvalidIdNumber as e:
        v["id_number"] = None
        if "id_number" in numeric:
            p.add(
                "id_number",
                _(
                    "身份证号码保存为数字格式，Excel只保留15位有效数字，后几位已丢失："
                    "请将该列设为文本格式后重新录入"
                ),
            )
        else:
            p.add("id_number", str(e))
    relation = cells.get("relation", "")
    if relation == "本人":
        relation = "户主"
    if relation not in RELATIONS:
        p.add(
            "relation",
            _("“%(value)s”不是有效的与户主关系", value=relation)
            if relation
            else _("请填写与户主关系"),
        )
    v["relation"] = relation
    for side in ("origin_code", "destination_code"):
        code = cells.get(side, "")
        j = lookups.village(code) if code else None
        if not code:
            p.add(side, _("请填写%(column)s", column=_(BY_KEY[side].header)))
        elif j is None:
            p.add(side, _("未知的行政区划代码“%(code)s”", code=code))
        elif j.level != Level.VILLAGE:
            p.add(
                side,
                _("行政区划代码“%(code)s”（%(name)s）不是村（社区）一级", code=code, name=j.name),
            )
            j = None
        v[side.replace("_code", "_id")] = j.id if j else None
    dest_id = v["destination_id"]
    if dest_id and lookups.allowed is not None and dest_id not in lookups.allowed:
        p.add(
            "destination_code",
            _("您只能为本村（社区）导入搬迁户（迁入地须为您任职的村或社区）"),
        )
    mode = _enum("settlement_mode", cells.get("settlement_mode", ""), p)
    if not mode:
        p.add("settlement_mode", _("请填写安置方式（集中安置或分散安置）"))
    v["settlement_mode"] = mode
    site_name = cells.get("site", "")
    v["site_id"] = None
    if dest_id and site_name:
        v["site_id"] = lookups.site(dest_id, site_name)
        if v["site_id"] is None:
            p.add("site", _("迁入地没有名为“%(site)s”的安置点", site=site_name))
    elif dest_id and mode == "centralized":
        v["site_id"] = lookups.single_site(dest_id)
        if v["site_id"] is None:
            p.add("site", _("集中安置须填写安置点名称"))
    for key in ("party_status", "pension_status", "medical_insurance", "assistance"):
        v[key] = _enum(key, cells.get(key, ""), p)
    v["collective_member"] = _yes_no(
        "collective_member", cells.get("collective_member", ""), p, False
    )
    v["registered_poor"] = _yes_no("registered_poor", cells.get("registered_poor", ""), p, False)
    for key in HOUSEHOLD_FACTS:
        v[key] = _yes_no(key, cells.get(key, ""), p, key == "lives_at_destination")
    for key in ("moved_on", "hukou_moved_on"):
        v[key] = None
        if cells.get(key):
            try:
                v[key] = parse_date(cells[key]).isoformat()
            except ValueError:
                p.add(
                    key,
                    _("“%(column)s”日期格式应为 2026-11-27", column=_(BY_KEY[key].header)),
                )
    v["hukou_status"] = _enum("hukou_status", cells.get("hukou_status", ""), p)
    if v["hukou_status"] == "moved" and not v["hukou_moved_on"]:
        p.add("hukou_moved_on", _("户口已迁入安置地时须填写落户日期"))
    v["hukou_address"] = cells.get("hukou_address", "")[:200]
    v["phone"] = cells.get("phone", "")[:20]
    v["address"] = cells.get("address", "")[:200]
    return v, p


def stage_ledger(
    path: Path,
    filename: str,
    *,
    actor: User | None,
    allowed_villages: set[int] | None,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> ImportBatch:
    """Read and check a ledger; store every row with its errors (the preview).

    Raises LedgerFormatError when the file itself cannot be used.
    """
    sheet = open_sheet(path, filename)
    batch = ImportBatch(
        user_id=actor.id if actor else None,
        filename=filename[:200],
        status="previewed",
        headers=sheet.headers,
        ignored_columns=sheet.ignored,
        created_at=now,
    )
    db.session.add(batch)
    db.session.flush()
    lookups = _Lookups(allowed_villages)
    seen_ids: dict[str, int] = {}
    households: dict[str, _HouseholdSeen] = {}
    buffer: list[dict[str, Any]] = []
    total = 0
    for row_no, cells, numeric in sheet.rows:
        if not any(cells):
            continue
        total += 1
        by_key = {key: cells[i] if i < len(cells) else "" for i, key in sheet.mapping.items()}
        num_keys = {key for i, key in sheet.mapping.items() if numeric.get(i)}
        values, problems = validate_row(by_key, num_keys, lookups)
        number = values.get("id_number")
        if number:
            if number in seen_ids:
                problems.add(
                    "id_number",
                    _(
                        "与第%(row)s行的身份证号码重复（同一人登记两次）",
                        row=seen_ids[number],
                    ),
                )
            else:
                seen_ids[number] = row_no
        hh_no = by_key.get("household_no", "")
        if not hh_no:
            problems.add("household_no", _("请填写户编号"))
        key = f"{by_key.get('destination_code', '')}|{hh_no}"[:80]
        ref = (
            values["origin_id"],
            values["destination_id"],
            values["settlement_mode"],
            values["site_id"],
        )
        hh = households.get(key)
        if hh is None:
            hh = households[key] = _HouseholdSeen(first_row=row_no, ref=ref)
        elif ref != hh.ref and hh_no:
            problems.add(
                "household_no",
                _(
                    "同户成员的迁出地、迁入地、安置方式或安置点与第%(row)s行不一致",
                    row=hh.first_row,
                ),
            )
        hh.rows += 1
        if values["relation"] == "户主":
            hh.heads += 1
        if problems.items:
            hh.bad.append(row_no)
        buffer.append(
            {
                "batch_id": batch.id,
                "row_no": row_no,
                "household_key": key,
                "id_number": number,
                "status": "invalid" if problems.items else "valid",
                "raw": list(cells),
                "values": values,
                "errors": problems.items,
            }
        )
        if len(buffer) >= CHUNK_ROWS:
            _flush_rows(buffer, households)
            if progress:
                progress(total)
    _flush_rows(buffer, households)
    if progress:
        progress(total)
    _household_checks(batch, households)
    _count(batch)
    batch.total_rows = total
    db.session.flush()
    return batch


def _flush_rows(buffer: list[dict[str, Any]], households: dict[str, _HouseholdSeen]) -> None:
    if not buffer:
        return
    numbers = [r["id_number"] for r in buffer if r["id_number"]]
    existing = (
        set(db.session.scalars(select(Person.id_number).where(Person.id_number.in_(numbers))))
        if numbers
        else set()
    )
    for r in buffer:
        if r["status"] == "valid" and r["id_number"] in existing:
            r["status"] = "existing"
            households[r["household_key"]].existing += 1
    # Core inserts (executemany, batched into multi-row VALUES): no ORM bookkeeping.
    db.session.execute(insert(ImportRow.__table__), buffer)
    buffer.clear()


def _household_checks(batch: ImportBatch, households: dict[str, _HouseholdSeen]) -> None:
    """One head per household; a household with a bad row waits whole (no half families)."""
    for key, hh in households.items():
        message = ""
        if hh.heads > 1:
            message = _("该户登记了多位户主，每户须有且只有一位户主")
        elif hh.heads == 0 and not hh.existing:
            message = _("该户缺少户主：每户须有且只有一位户主（与户主关系填“户主”）")
        elif hh.bad:
            rows = _("、").join(str(n) for n in hh.bad[:5])
            if len(hh.bad) > 5:
                message = _("同户第%(rows)s等行有误，整户暂不导入，改正后重新导入", rows=rows)
            else:
                message = _("同户第%(rows)s行有误，整户暂不导入，改正后重新导入", rows=rows)
        if not message:
            continue
        column = "与户主关系" if hh.heads != 1 and not hh.bad else "户编号"
        rows = db.session.scalars(
            select(ImportRow).where(
                ImportRow.batch_id == batch.id,
                ImportRow.household_key == key,
                ImportRow.status.in_(("valid", "invalid")),
            )
        )
        for row in rows:
            if row.status == "invalid" and hh.bad and hh.heads == 1:
                continue  # its own errors already say what is wrong
            row.errors = [*row.errors, {"column": column, "message": message}]
            row.status = "invalid"
    db.session.flush()


def _count(batch: ImportBatch) -> None:
    counts = dict(
        db.session.execute(
            select(ImportRow.status, func.count())
            .where(ImportRow.batch_id == batch.id)
            .group_by(ImportRow.status)
        ).all()
    )
    batch.invalid_rows = counts.get("invalid", 0)
    batch.existing_rows = counts.get("existing", 0)
    batch.total_households = (
        db.session.scalar(
            select(func.count(func.distinct(ImportRow.household_key))).where(
                ImportRow.batch_id == batch.id, ImportRow.status == "valid"
            )
        )
        or 0
    )


def import_step(batch: ImportBatch, *, now: datetime, households: int = CHUNK_HOUSEHOLDS) -> bool:
    """Create the next chunk of valid households; returns True when the batch is done.

    Bulk inserts (one statement per table per chunk). A person registered meanwhile, by
    another import or the form, is reported as existing instead of failing the chunk.
    """
    # One step at a time per batch (a second tab, a double click): on PostgreSQL the row
    # lock makes the other wait, then it finds these households already imported.
    db.session.refresh(batch, with_for_update=True)
    if batch.status == "done":
        return True
    batch.status = "importing"
    keys = db.session.scalars(
        select(ImportRow.household_key)
        .where(ImportRow.batch_id == batch.id, ImportRow.status == "valid")
        .group_by(ImportRow.household_key)
        .order_by(ImportRow.household_key)
        .limit(households)
    ).all()
    if not keys:
        batch.status = "done"
        batch.finished_at = now
        batch.processed_households = batch.total_households
        # The imported people now live in their own tables; keep no second copy of them.
        db.session.execute(
            delete(ImportRow).where(ImportRow.batch_id == batch.id, ImportRow.status == "imported")
        )
        db.session.flush()
        return True
    rows = db.session.execute(
        select(
            ImportRow.id,
            ImportRow.household_key,
            ImportRow.status,
            ImportRow.id_number,
            ImportRow.values,
        )
        .where(
            ImportRow.batch_id == batch.id,
            ImportRow.household_key.in_(keys),
            ImportRow.status.in_(("valid", "existing")),
        )
        .order_by(ImportRow.household_key, ImportRow.row_no)
    ).all()
    numbers = [r.id_number for r in rows if r.id_number]
    registered = dict(
        db.session.execute(
            select(Person.id_number, Person.household_id).where(Person.id_number.in_(numbers))
        ).all()
    )
    by_key: dict[str, list[Any]] = {}
    for r in rows:
        by_key.setdefault(r.household_key, []).append(r)
    new_households: list[dict[str, Any]] = []
    new_keys: list[str] = []
    target: dict[str, int] = {}
    for key, members in by_key.items():
        known = [registered[m.id_number] for m in members if m.id_number in registered]
        if known:
            target[key] = known[0]
            continue
        head = next((m for m in members if m.values["relation"] == "户主"), members[0]).values
        new_households.append(
            {
                "origin_jurisdiction_id": head["origin_id"],
                "destination_jurisdiction_id": head["destination_id"],
                "site_id": head["site_id"],
                "settlement_mode": head["settlement_mode"],
                "moved_on": date.fromisoformat(head["moved_on"]) if head["moved_on"] else None,
                "address": head["address"],
                "phone": head["phone"],
                "facts": {},
                "created_at": now,
                **{k: head[k] for k in HOUSEHOLD_FACTS},
            }
        )
        new_keys.append(key)
    if new_households:
        ids = db.session.scalars(
            insert(Household).returning(Household.id, sort_by_parameter_order=True),
            new_households,
        ).all()
        target.update(zip(new_keys, ids, strict=True))
    people: list[dict[str, Any]] = []
    imported: list[int] = []
    existing: list[int] = []
    for key, members in by_key.items():
        for m in members:
            if m.status != "valid":
                continue
            if m.id_number in registered:
                existing.append(m.id)
                continue
            people.append(_person_row(m.values, target[key]))
            imported.append(m.id)
    if people:
        db.session.execute(insert(Person.__table__), people)
    if imported:
        db.session.execute(
            update(ImportRow).where(ImportRow.id.in_(imported)).values(status="imported")
        )
    if existing:
        db.session.execute(
            update(ImportRow).where(ImportRow.id.in_(existing)).values(status="existing")
        )
    batch.existing_rows += len(existing)
    batch.processed_households += len(keys)
    batch.created_households += len(new_households)
    batch.created_persons += len(people)
    db.session.flush()
    return False


def _person_row(v: dict[str, Any], household_id: int) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    if v["hukou_status"] == "moved":
        facts = {
            "hukou_moved": True,
            "hukou_moved_on": v["hukou_moved_on"],
            "hukou_address": v["hukou_address"],
            "imported": True,
        }
    elif v["hukou_status"] == "kept":
        facts = {"hukou_moved": False, "hukou_kept": True, "imported": True}
    return {
        "household_id": household_id,
        "id_number": v["id_number"],
        "name": v["name"],
        "name_initials": initials(v["name"])[:40],
        "sex": v["sex"],
        "birth_date": date.fromisoformat(v["birth_date"]),
        "relation": v["relation"],
        "party_status": v["party_status"],
        "collective_member": v["collective_member"],
        "pension_status": v["pension_status"],
        "medical_insurance": v["medical_insurance"],
        "assistance": v["assistance"],
        "registered_poor": v["registered_poor"],
        "facts": facts,
    }


def invalid_rows(batch: ImportBatch) -> Iterator[ImportRow]:
    return db.session.scalars(
        select(ImportRow)
        .where(ImportRow.batch_id == batch.id, ImportRow.status == "invalid")
        .order_by(ImportRow.row_no)
        .execution_options(yield_per=1000)
    )


def write_invalid_rows(batch: ImportBatch, out: IO[bytes]) -> None:
    """The invalid rows as they were, plus an error column, to fix and re-import."""
    width = len(batch.headers)
    headers = [*batch.headers, "原行号", "错误说明"]

    def rows() -> Iterator[list[Any]]:
        for r in invalid_rows(batch):
            cells = (list(r.raw) + [""] * width)[:width]
            message = "；".join(f"【{e['column']}】{e['message']}" for e in r.errors)
            yield [*cells, r.row_no, message]

    write_rows_xlsx(out, headers, rows())
