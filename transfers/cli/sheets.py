"""What the commands that create things from a sheet share: read it, check every row,
and stop with each fault at its row before anything is created."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

import click

from transfers.admin.sheets import SheetError, SheetRow, read_sheet

#: Exit status when some rows have faults (nothing is created then).
FAULTY_ROWS_EXIT = 2


class CheckedRow(Protocol):
    number: int
    errors: list[str]


RowT = TypeVar("RowT", bound=CheckedRow)


def checked_rows(
    path: Path,
    columns: dict[str, tuple[str, ...]],
    check_rows: Callable[[list[SheetRow], list[str] | None], list[RowT]],
    noun: str,
) -> list[RowT]:
    """The sheet's rows checked by `check_rows` (everywhere: the operator's command line).
    A sheet that cannot be read, or any row with a fault, stops the command: each fault
    is printed at its row and nothing (`noun`, e.g. "account") is created."""
    try:
        sheet = read_sheet(path.name, path.read_bytes(), columns)
    except SheetError as e:
        raise click.ClickException(str(e)) from None
    rows = check_rows(sheet, None)
    faulty = [r for r in rows if r.errors]
    for r in faulty:
        click.echo(f"row {r.number}: " + "；".join(r.errors), err=True)
    if faulty:
        click.echo(f"{len(faulty)} of {len(rows)} rows have faults; no {noun} created.", err=True)
        raise SystemExit(FAULTY_ROWS_EXIT)
    return rows
