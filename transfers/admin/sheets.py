"""Reading a small administrative sheet (.xlsx or .csv): accounts, 安置点.

The header row is the first of the first 20 rows that names one of the expected
columns (title rows above it are skipped); each column may go by several names.
Every row keeps its number in the sheet, so a fault is reported where it is.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import load_workbook

from workflows.i18n import gettext as _

HEADER_ROWS = 20
MAX_ROWS = 5000


class SheetError(ValueError):
    """A sheet that cannot be read at all (the message says why, in Chinese)."""


@dataclass(frozen=True)
class SheetRow:
    number: int  # the row's number in the sheet, as a spreadsheet shows it
    cells: dict[str, str]  # column key -> the cell's text, stripped


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into a number cell
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _raw_rows(filename: str, data: bytes) -> list[list[str]]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises several kinds for a file that is not xlsx
            raise SheetError(_("无法读取该 .xlsx 文件，请检查文件是否损坏")) from None
        sheet = book.worksheets[0]
        rows = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
        return rows
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
        raise SheetError(_("无法识别 .csv 文件的编码，请另存为 UTF-8"))
    if name.endswith(".xls"):
        raise SheetError(_("不支持旧版 .xls 文件，请在 Excel 中“另存为” .xlsx 后再上传"))
    raise SheetError(_("只支持 .xlsx 和 .csv 文件"))


def _header(
    rows: list[list[str]], columns: dict[str, tuple[str, ...]]
) -> tuple[int, list[str | None]]:
    """The header row's index and the column key under each of its cells."""
    by_name = {n: key for key, names in columns.items() for n in names}
    for index, row in enumerate(rows[:HEADER_ROWS]):
        keys = [by_name.get(cell.replace(" ", "").replace("\u3000", "")) for cell in row]
        if any(keys):
            return index, keys
    expected = "、".join(names[0] for names in columns.values())
    raise SheetError(_("未找到表头行，表头应包含：%(names)s", names=expected))


def read_sheet(filename: str, data: bytes, columns: dict[str, tuple[str, ...]]) -> list[SheetRow]:
    """The sheet's data rows, each cell under its column key (`columns`: key -> names).
    Empty rows are skipped; a sheet without the required header row is refused."""
    rows = _raw_rows(filename, data)
    index, keys = _header(rows, columns)
    missing = [names[0] for key, names in columns.items() if key not in keys]
    if missing:
        raise SheetError(_("缺少列：%(names)s", names="、".join(missing)))
    found = []
    for number, row in enumerate(rows[index + 1 :], start=index + 2):
        cells = {k: row[i] if i < len(row) else "" for i, k in enumerate(keys) if k}
        if any(cells.values()):
            found.append(SheetRow(number, cells))
    if not found:
        raise SheetError(_("表格中没有数据行"))
    if len(found) > MAX_ROWS:
        raise SheetError(_("一次最多%(n)s行，请分批上传", n=MAX_ROWS))
    return found
