"""Importing village ledgers: stage and check (the preview), then register in chunks.

- `reading`: one row's cells, normalized, each problem tied to a column;
- `checking`: the rules between rows and against the register (`stage_ledger`);
- `writing`: the valid households through the one household writer (`import_step`),
  and the invalid rows back as a workbook.

Re-importing a file is harmless: a household registered whole already is reported as
such and never created twice; an ID number registered in another household is a
conflict, never a reason to add the row to that household.
"""

from __future__ import annotations

from transfers.imports.checking import CHUNK_ROWS, stage_ledger
from transfers.imports.reading import Problems, parse_date, validate_row
from transfers.imports.writing import (
    CHUNK_HOUSEHOLDS,
    import_step,
    invalid_rows,
    write_invalid_rows,
)

__all__ = [
    "CHUNK_HOUSEHOLDS",
    "CHUNK_ROWS",
    "Problems",
    "import_step",
    "invalid_rows",
    "parse_date",
    "stage_ledger",
    "validate_row",
    "write_invalid_rows",
]
