"""Ledgers and summaries as .xlsx in the layout officials use: a title row, Chinese
column headers, one row per item (序号 first), frozen header, printable on A4 landscape.
Formula-like text is written as text (transfers/exports/cells.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from transfers.exports.cells import as_text

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def workbook(
    sheets: Iterable[tuple[str, str, Sequence[str], Iterable[Sequence[Any]]]],
) -> BytesIO:
    """sheets: (sheet name, title, headers, rows) — rows without 序号, which is added."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, title, headers, rows in sheets:
        ws = wb.create_sheet(name[:31])
        columns = ["序号", *headers]
        as_text(ws.cell(row=1, column=1, value=title)).font = Font(bold=True, size=14)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
        widths = [len(c) * 2 + 2 for c in columns]
        for col, header in enumerate(columns, start=1):
            cell = as_text(ws.cell(row=2, column=col, value=header))
            cell.font = Font(bold=True)
            cell.border = BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        n = 0
        for n, row in enumerate(rows, start=1):
            for col, value in enumerate([n, *row], start=1):
                cell = as_text(ws.cell(row=2 + n, column=col, value=value))
                cell.border = BORDER
                cell.alignment = Alignment(vertical="top", wrap_text=True)
                text = str(value) if value is not None else ""
                widths[col - 1] = min(max(widths[col - 1], len(text) * 2 + 2), 60)
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = "A3"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.print_title_rows = "2:2"
    out = BytesIO()
    wb.save(out)
    out.seek(0)
    return out


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
