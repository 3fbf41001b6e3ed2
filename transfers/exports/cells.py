"""Spreadsheet cells that cannot become formulas (CSV/formula injection).

A name typed as `=HYPERLINK("http://…","点此")` must reach a clerk's spreadsheet as the
text it is, never as a live formula. Every workbook and CSV file the application writes
(exports, the import error workbook, supervision ledgers) passes its cells through here.

A text starting with `=`, `+`, `-`, `@`, a tab or a carriage return is "formula-like":
- in .xlsx it is written as a text cell (never a formula) with Excel's quote prefix, so
  it shows and reads back exactly as written, and stays text if a user edits it;
- in CSV, which has no cell types, it gets a leading apostrophe (`'=HYPERLINK…`), which
  spreadsheet programs show as text; the ledger import drops that apostrophe again
  (`unquote`), so a file written here and imported back keeps its values.
Numbers, dates and empty cells are written as they are: a negative number stays a number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: Any) -> bool:
    """Whether a spreadsheet program could read `value` as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_value(value: Any) -> Any:
    """`value` as a CSV field: formula-like text gets a leading apostrophe."""
    return "'" + value if formula_like(value) else value


def csv_row(row: Iterable[Any]) -> list[Any]:
    return [csv_value(v) for v in row]


def unquote(text: str) -> str:
    """A CSV field as written: the apostrophe `csv_value` added is dropped."""
    if text.startswith("'") and formula_like(text[1:]):
        return text[1:]
    return text


def as_text(cell: Cell | WriteOnlyCell) -> Cell | WriteOnlyCell:
    """Make a cell holding formula-like text a quoted text cell (in place)."""
    if formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def xlsx_row(ws: Any, row: Iterable[Any]) -> list[Any]:
    """A row for a write-only sheet's `append`: formula-like text as quoted text cells."""
    return [as_text(WriteOnlyCell(ws, value=v)) if formula_like(v) else v for v in row]
