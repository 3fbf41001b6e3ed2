"""Reading a ledger file (.xlsx, .xls, .csv): its sheets, its header row, its cells.

Workbooks (.xlsx, .xls) are read with python-calamine (Rust): a 350,000-row sheet is
parsed in seconds, where openpyxl's read-only mode takes minutes; rows are turned into
text one at a time and staged in chunks. A .csv is streamed by the csv module.
The header may be any of the first 20 rows, under title rows, and may be two rows high
(merged cells: a group title over its sub-headers). Cells come back as normalized text:
full-width characters folded (NFKC), numbers without a trailing ".0", dates as ISO
strings.
"""

from __future__ import annotations

import csv
import itertools
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from transfers.exports.cells import unquote
from transfers.imports.columns import BY_KEY, COLUMNS, HUKOU_STATUS, REQUIRED, Column
from transfers.imports.template import template_workbook, write_rows_xlsx
from workflows.i18n import gettext as _

__all__ = [
    "BY_KEY",
    "COLUMNS",
    "HUKOU_STATUS",
    "REQUIRED",
    "Column",
    "LedgerFormatError",
    "Sheet",
    "open_sheet",
    "sheet_names",
    "template_workbook",
    "write_rows_xlsx",
]
HEADER_ROWS = 20  # the header is looked for in this many top rows
Rows = Iterator[tuple[int, list[str], dict[int, bool]]]  # (row no, cells, lossy number)


class LedgerFormatError(ValueError):
    """The file as a whole cannot be read (wrong type, no header row, missing columns)."""


def fold(text: str) -> str:
    """Full-width letters, digits and spaces to half-width; trimmed."""
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFKC", text).strip()


def _header_key(text: str) -> str:
    folded = fold(text).replace(" ", "").replace("\n", "").replace("*", "")
    return folded.strip("：:")


_ALIASES = {_header_key(a): c.key for c in COLUMNS for a in (c.header, *c.aliases)}


def cell_text(value: Any) -> str:
    if type(value) is str:  # most cells: the cheap case first
        return fold(value) if value else ""
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
    headers: list[str]  # as in the file, folded (a two-row header joined per column)
    mapping: dict[int, str]  # column index -> column key
    ignored: list[str]
    header_row: int
    rows: Rows
    sheet_name: str = ""
    sheet_names: list[str] = field(default_factory=list)


def map_headers(cells: list[str]) -> tuple[dict[int, str], list[str]]:
    """Column index -> key for the headers understood; the others, as written."""
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    for i, text in enumerate(cells):
        key = _ALIASES.get(_header_key(text))
        if key is not None and key not in mapping.values():
            mapping[i] = key
        elif text:
            ignored.append(text)
    return mapping, ignored


def _two_rows(upper: list[str], lower: list[str]) -> list[str]:
    """A header two rows high: the lower cell when it names a column (a sub-header under
    a merged group title), else the upper one (a cell merged down over both rows)."""
    width = max(len(upper), len(lower))
    upper = upper + [""] * (width - len(upper))
    lower = lower + [""] * (width - len(lower))
    joined = []
    for up, low in zip(upper, lower, strict=True):
        if low and (_header_key(low) in _ALIASES or not up):
            joined.append(low)
        elif up and low:
            joined.append(up + low)
        else:
            joined.append(up or low)
    return joined


def _is_header(mapping: dict[int, str]) -> bool:
    return {"id_number", "name"} <= set(mapping.values())


def _find_header(rows: Rows) -> tuple[int, list[str], dict[int, str], list[str], Rows]:
    """The header is the first of the top rows naming the ID number and the name; when
    the next row holds sub-headers (merged cells above), both rows make the header.
    Returns the rows after the header (the one row looked at beyond it put back)."""
    previous: list[str] | None = None
    header_no = 0
    for row_no, cells, numeric in rows:
        if previous is not None:
            joined = _two_rows(previous, cells)
            mapping, ignored = map_headers(joined)
            if len(mapping) > len(map_headers(previous)[0]):
                return row_no, joined, mapping, ignored, rows
            after = itertools.chain([(row_no, cells, numeric)], rows)
            return row_no - 1, previous, *map_headers(previous), after
        if _is_header(map_headers(cells)[0]):
            previous, header_no = cells, row_no
            continue
        if row_no >= HEADER_ROWS:
            break
    if previous is not None:  # the header is the last row of the file
        return header_no, previous, *map_headers(previous), rows
    raise LedgerFormatError(_("未找到表头行：前20行中没有同时包含“姓名”和“身份证号码”的行"))


def _lossy(values: tuple[Any, ...] | list[Any]) -> dict[int, bool]:
    """The cells holding a float of 16+ digits, which has lost digits (Excel keeps 15
    significant ones)."""
    return {i: True for i, v in enumerate(values) if type(v) is float and abs(v) >= 1e15}


def _workbook(path: Path, suffix: str) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as e:  # noqa: BLE001 - calamine raises several kinds for a bad file
        if suffix == ".xls":
            raise LedgerFormatError(
                _("无法读取该 .xls 文件：请在 Excel 或 WPS 中打开，另存为 .xlsx 后重新上传")
            ) from e
        raise LedgerFormatError(_("无法读取该Excel文件，请确认是 .xlsx 格式")) from e


def _workbook_rows(path: Path, suffix: str, sheet: str) -> Rows:
    """The rows of a sheet, numbered as Excel shows them (calamine starts at the first
    cell in use). The sheet is parsed in compiled code; rows become text one by one."""
    wb = _workbook(path, suffix)
    try:
        ws = wb.get_sheet_by_name(sheet)
        first = ws.start[0] if ws.start else 0
        for offset, values in enumerate(ws.iter_rows()):
            yield first + offset + 1, [cell_text(v) for v in values], _lossy(values)
    finally:
        wb.close()


def _csv_rows(path: Path) -> Rows:
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
            yield row_no, [fold(unquote(v)) if v else "" for v in values], {}


def sheet_names(path: Path, filename: str) -> list[str]:
    """The sheets of a workbook ([""] for a .csv); LedgerFormatError for other files."""
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xls"):
        wb = _workbook(path, suffix)
        names = list(wb.sheet_names)
        wb.close()
        return names
    if suffix == ".csv":
        return [""]
    raise LedgerFormatError(
        _("只支持 .xlsx、.xls 和 .csv 文件：其他格式请在 Excel 或 WPS 中另存为 .xlsx")
    )


def _rows(path: Path, filename: str, sheet: str) -> Rows:
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xls"):
        return _workbook_rows(path, suffix, sheet)
    return _csv_rows(path)


def _required(mapping: dict[int, str]) -> None:
    missing = [c.header for c in REQUIRED if c.key not in mapping.values()]
    if missing:
        raise LedgerFormatError(_("缺少必填列：%(columns)s", columns=_("、").join(missing)))


def open_sheet(path: Path, filename: str, sheet: str = "") -> Sheet:
    """The ledger sheet of a file: `sheet` when named, else the first sheet whose top
    rows hold a header (a workbook often has a cover or a guide sheet first)."""
    names = sheet_names(path, filename)
    if sheet and sheet not in names:
        raise LedgerFormatError(_("文件中没有名为“%(sheet)s”的工作表", sheet=sheet))
    for name in [sheet] if sheet else names:
        rows = _rows(path, filename, name)
        try:
            header_row, headers, mapping, ignored, rows = _find_header(rows)
        except LedgerFormatError:
            if sheet or name == names[-1]:
                raise
            continue
        _required(mapping)
        return Sheet(headers, mapping, ignored, header_row, rows, name, names)
    raise LedgerFormatError(_("未找到表头行：前20行中没有同时包含“姓名”和“身份证号码”的行"))
