"""Workbooks we write: the downloadable template (with drop-down lists and a guide) and
streamed lists (the invalid rows, the export in the import's layout)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from transfers.exports.cells import xlsx_row
from transfers.imports.columns import BY_KEY, COLUMNS, REQUIRED


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
        [
            "说明：表头可在前20行中的任意一行，列的顺序可以调整，未识别的列会在预览中列出；一人一行，同户成员户编号相同。"
        ]
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
