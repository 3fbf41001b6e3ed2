"""The village ledger (台账) layout: columns, Chinese headers, and reading .xlsx/.csv.

Files are streamed row by row (openpyxl read-only mode, or the csv module), so memory
stays flat however long the ledger is. Cells come back as normalized text: full-width
characters folded (NFKC), numbers without a trailing ".0", dates as ISO strings.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from transfers.exports.cells import unquote, xlsx_row
from transfers.households.models import (
    ASSISTANCE_STATUS,
    MEDICAL_STATUS,
    PARTY_STATUS,
    PENSION_STATUS,
    RELATIONS,
    SETTLEMENT_MODES,
)
from workflows.i18n import N_
from workflows.i18n import gettext as _

HUKOU_STATUS = {"not_moved": "未迁移", "moved": "已迁入安置地", "kept": "自愿保留原籍户口"}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    example: str = ""
    note: str = ""
    choices: tuple[str, ...] = ()


YES_NO = ("是", "否")

COLUMNS: tuple[Column, ...] = (
    Column(
        "household_no",
        N_("户编号"),
        ("户号", "户序号", "家庭编号"),
        True,
        "1",
        "同一户的成员填写相同的户编号",
    ),
    Column("name", N_("姓名"), ("成员姓名", "人员姓名"), True, "王建国"),
    Column(
        "id_number",
        N_("身份证号码"),
        ("身份证号", "公民身份号码", "身份证", "证件号码"),
        True,
        "",
        "18位，请将该列设为文本格式",
    ),
    Column(
        "relation",
        N_("与户主关系"),
        ("关系", "家庭关系", "与户主的关系"),
        True,
        "户主",
        "每户须有且只有一位户主",
        tuple(RELATIONS),
    ),
    Column("sex", N_("性别"), (), False, "男", "可不填，填写时须与身份证号码一致", ("男", "女")),
    Column(
        "origin_code",
        N_("迁出地区划代码"),
        ("迁出地代码", "迁出村代码", "迁出地行政区划代码"),
        True,
        "411221205201",
        "迁出村（社区）的12位行政区划代码",
    ),
    Column(
        "destination_code",
        N_("迁入地区划代码"),
        ("迁入地代码", "安置村代码", "迁入地行政区划代码"),
        True,
        "411221100201",
        "迁入村（社区）的12位行政区划代码",
    ),
    Column(
        "settlement_mode",
        N_("安置方式"),
        (),
        True,
        "集中安置",
        "",
        tuple(SETTLEMENT_MODES.values()),
    ),
    Column("site", N_("安置点"), ("安置点名称",), False, "幸福社区集中安置点", "集中安置时填写"),
    Column("moved_on", N_("搬迁入住日期"), ("搬迁日期", "入住日期"), False, "2025-06-30"),
    Column("phone", N_("联系电话"), ("电话", "手机号", "手机号码"), False, ""),
    Column("address", N_("现住址"), ("安置地址", "住址"), False, ""),
    Column("party_status", N_("政治面貌"), (), False, "非党员", "", tuple(PARTY_STATUS.values())),
    Column("collective_member", N_("集体经济组织成员"), ("集体成员",), False, "是", "", YES_NO),
    Column(
        "pension_status",
        N_("养老保险"),
        ("养老保险状态",),
        False,
        "参保缴费",
        "",
        tuple(PENSION_STATUS.values()),
    ),
    Column(
        "medical_insurance",
        N_("医疗保险"),
        ("医保", "医疗保险状态"),
        False,
        "城乡居民医保",
        "",
        tuple(MEDICAL_STATUS.values()),
    ),
    Column(
        "assistance",
        N_("社会救助"),
        ("低保特困",),
        False,
        "无",
        "",
        tuple(ASSISTANCE_STATUS.values()),
    ),
    Column("registered_poor", N_("建档立卡"), ("脱贫户", "建档立卡户"), False, "是", "", YES_NO),
    Column(
        "lives_at_destination",
        N_("在安置地实际居住"),
        (),
        False,
        "是",
        "按户填写（以户主行为准）",
        YES_NO,
    ),
    Column("has_destination_housing", N_("安置地有农村住房"), (), False, "否", "按户填写", YES_NO),
    Column("has_destination_homestead", N_("安置地有宅基地"), (), False, "否", "按户填写", YES_NO),
    Column(
        "has_destination_contracted_land", N_("安置地有承包地"), (), False, "否", "按户填写", YES_NO
    ),
    Column(
        "hukou_status",
        N_("户口迁移情况"),
        ("户口迁移状态",),
        False,
        "未迁移",
        "已办结的迁移可导入为“已迁入安置地”或“自愿保留原籍户口”",
        tuple(HUKOU_STATUS.values()),
    ),
    Column("hukou_moved_on", N_("落户日期"), (), False, "", "已迁入安置地时填写"),
    Column("hukou_address", N_("落户地址"), ("户籍地址",), False, "", "已迁入安置地时填写"),
)
BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = [c for c in COLUMNS if c.required]


class LedgerFormatError(ValueError):
    """The file as a whole cannot be read (wrong type, no header row, missing columns)."""


def fold(text: str) -> str:
    """Full-width letters, digits and spaces to half-width; trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def _header_key(text: str) -> str:
    return fold(text).replace(" ", "").replace("*", "").replace("＊", "").strip("：:")


_ALIASES = {_header_key(a): c.key for c in COLUMNS for a in (c.header, *c.aliases)}


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return fold(str(value))


@dataclass
class Sheet:
    headers: list[str]  # as in the file, folded
    mapping: dict[int, str]  # column index -> column key
    ignored: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[str], dict[int, bool]]]  # (row no, cells, lossy number)


def map_headers(cells: list[str]) -> tuple[dict[int, str], list[str]]:
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    for i, text in enumerate(cells):
        key = _ALIASES.get(_header_key(text))
        if key is not None and key not in mapping.values():
            mapping[i] = key
        elif text:
            ignored.append(text)
    return mapping, ignored


def _find_header(
    rows: Iterator[tuple[int, list[str], dict[int, bool]]],
) -> tuple[int, list[str], dict[int, str], list[str]]:
    """The header is the first of the top ten rows naming the ID number and the name
    (a ledger often starts with a title row or two)."""
    for row_no, cells, _numeric in rows:
        mapping, ignored = map_headers(cells)
        if {"id_number", "name"} <= set(mapping.values()):
            missing = [c.header for c in REQUIRED if c.key not in mapping.values()]
            if missing:
                raise LedgerFormatError(_("缺少必填列：%(columns)s", columns=_("、").join(missing)))
            return row_no, cells, mapping, ignored
        if row_no >= 10:
            break
    raise LedgerFormatError(_("未找到表头行：前10行中没有同时包含“姓名”和“身份证号码”的行"))


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str], dict[int, bool]]]:
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise LedgerFormatError(_("无法读取该Excel文件，请确认是 .xlsx 格式")) from e
    try:
        ws = wb.worksheets[0]
        # Never trust (or compute) the stored sheet size: computing it parses the whole
        # sheet once more, and a wrong one would cut rows off.
        ws.reset_dimensions()
        for row_no, values in enumerate(ws.iter_rows(values_only=True), 1):
            # A float of 16+ digits has lost digits (Excel keeps 15 significant ones).
            numeric = {i: isinstance(v, float) and abs(v) >= 1e15 for i, v in enumerate(values)}
            yield row_no, [cell_text(v) for v in values], numeric
    finally:
        wb.close()


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str], dict[int, bool]]]:
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    # Excel in China saves CSV as GBK unless told otherwise.
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:
            encoding = "gb18030"
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        for row_no, values in enumerate(csv.reader(fh), 1):
            # A field written as '=… by our own CSV files reads back as =… (cells.py).
            yield row_no, [fold(unquote(v)) for v in values], {}


def open_sheet(path: Path, filename: str) -> Sheet:
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        rows = _xlsx_rows(path)
    elif suffix == ".csv":
        rows = _csv_rows(path)
    else:
        raise LedgerFormatError(_("只支持 .xlsx 和 .csv 文件（.xls 请先另存为 .xlsx）"))
    header_row, headers, mapping, ignored = _find_header(rows)
    return Sheet(headers, mapping, ignored, header_row, rows)


def _styled_header(ws: Any, headers: list[str], required: set[str]) -> None:
    fill = PatternFill("solid", fgColor="FCE4D6")
    for i, text in enumerate(headers, 1):
        cell = ws.cell(row=1, column=i, value=text)
        cell.font = Font(bold=True, color="C00000" if text in required else "000000")
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[cell.column_letter].width = max(10, 2 * len(text) + 4)


def template_workbook() -> bytes:
    """The downloadable template: the ledger sheet, with drop-down lists, and a guide."""
    wb = Workbook()
    ws = wb.active
    ws.title = "搬迁户台账"
    headers = [c.header for c in COLUMNS]
    _styled_header(ws, headers, {c.header for c in REQUIRED})
    id_col = headers.index(BY_KEY["id_number"].header) + 1
    ws.column_dimensions[ws.cell(row=1, column=id_col).column_letter].width = 22
    for r in range(2, 1002):  # text format so Excel keeps all 18 digits
        ws.cell(row=r, column=id_col).number_format = "@"
    for i, c in enumerate(COLUMNS, 1):
        if c.choices:
            dv = DataValidation(
                type="list", formula1='"' + ",".join(c.choices) + '"', allow_blank=True
            )
            dv.error = "请从下拉列表中选择"
            letter = ws.cell(row=1, column=i).column_letter
            dv.add(f"{letter}2:{letter}1001")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    guide = wb.create_sheet("填写说明")
    guide.append(["列名", "是否必填", "说明", "可选值", "示例"])
    for c in COLUMNS:
        guide.append(
            [c.header, "必填" if c.required else "选填", c.note, "、".join(c.choices), c.example]
        )
    guide.append([])
    guide.append(
        ["说明：第一行为表头，列的顺序可以调整，多余的列会被忽略；一人一行，同户成员户编号相同。"]
    )
    for letter, width in zip("ABCDE", (20, 10, 40, 50, 18), strict=True):
        guide.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_rows_xlsx(out: IO[bytes], headers: list[str], rows: Iterator[list[Any]]) -> None:
    """A streamed (write-only) workbook: memory stays flat for long lists. Formula-like
    text is written as text (transfers/exports/cells.py)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sheet1")
    ws.append(xlsx_row(ws, headers))
    for row in rows:
        ws.append(xlsx_row(ws, row))
    wb.save(out)
