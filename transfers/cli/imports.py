"""Ledger commands: import a ledger (with progress), grant an office the right to import."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from transfers.extensions import db

if TYPE_CHECKING:
    from transfers.auth.models import User
    from transfers.imports.models import ImportBatch

#: Exit status of `import-ledger` when some rows were invalid (with or without --dry-run).
INVALID_ROWS_EXIT = 2


def _user(username: str | None) -> User | None:
    from transfers.auth.models import User

    if not username:
        return None
    user: User | None = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"unknown user {username}")
    return user


@click.command("import-ledger")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate and report only; import nothing.")
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(dir_okay=False),
    help="Write the invalid rows, with an error column, to this .xlsx file.",
)
@click.option("--sheet", default="", help="The sheet to read (default: the first with a header).")
@click.option(
    "--as",
    "username",
    default=None,
    help="Import as this user: their reach, their county's place names (default: the system).",
)
@with_appcontext
def import_ledger_command(
    path: str, dry_run: bool, errors_path: str | None, sheet: str, username: str | None
) -> None:
    """Import households and persons from a ledger (.xlsx, .xls or .csv).

    Every row is checked and staged first, with a progress line; the valid households
    are then committed in chunks, with a progress bar, so a long import can be resumed.
    Exits with status 2 when some rows are invalid, with --dry-run too.
    """
    actor = _user(username)
    batch = _stage(Path(path), sheet, actor)
    invalid = batch.invalid_rows  # read now: a dry run rolls the batch back
    if errors_path and invalid:
        from transfers.imports.writing import write_invalid_rows

        with open(errors_path, "wb") as out:
            write_invalid_rows(batch, out)
        click.echo(f"invalid rows written to {errors_path}")
    if dry_run:
        db.session.rollback()
        click.echo("dry run: nothing imported")
    else:
        db.session.commit()
        _import_valid_households(batch)
    if invalid:
        raise SystemExit(INVALID_ROWS_EXIT)


def _stage(file: Path, sheet: str, actor: User | None) -> ImportBatch:
    """Check every row of the ledger and report the counts (nothing committed)."""
    from transfers.db import utcnow
    from transfers.imports.checking import stage_ledger
    from transfers.imports.ledger import LedgerFormatError
    from transfers.imports.reach import outside_message

    try:
        batch = stage_ledger(
            file,
            file.name,
            actor=actor,
            now=utcnow(),
            sheet=sheet,
            progress=lambda b: click.echo(f"\rchecked {b.checked_rows} rows", nl=False),
        )
    except LedgerFormatError as e:
        raise click.ClickException(str(e)) from None
    click.echo("")
    if len(batch.sheet_names) > 1:
        click.echo(f"sheet read: {batch.sheet_name} (of {', '.join(batch.sheet_names)})")
    if batch.ignored_columns:
        click.echo(f"columns not understood: {', '.join(batch.ignored_columns)}")
    click.echo(
        f"{batch.total_rows} rows: {batch.valid_rows} to import "
        f"({batch.total_households} households), {batch.invalid_rows} invalid, "
        f"{batch.existing_rows} already registered"
    )
    if batch.outside_rows:
        click.echo(outside_message(batch.outside_rows))
    for problem in batch.place_problems:
        click.echo(f"place name {problem['text']}: {problem['message']}")
    return batch


def _import_valid_households(batch: ImportBatch) -> None:
    """Import the staged households chunk by chunk, committing each, with a progress bar."""
    from transfers.db import utcnow
    from transfers.imports.writing import import_step

    with click.progressbar(length=batch.total_households, label="importing") as bar:
        done = False
        while not done:
            before = batch.processed_households
            done = import_step(batch, now=utcnow())
            db.session.commit()
            bar.update(batch.processed_households - before)
    click.echo(f"created {batch.created_households} households, {batch.created_persons} persons")


@click.command("grant-import")
@click.argument("username")
@click.argument("code")
@click.option("--revoke", is_flag=True, help="Take the grant back.")
@with_appcontext
def grant_import_command(username: str, code: str, revoke: bool) -> None:
    """Let a township or county office import ledgers for its whole jurisdiction CODE."""
    from transfers.db import utcnow
    from transfers.imports.grants import GrantError, grant_import, revoke_import

    user = _user(username)
    assert user is not None
    try:
        if revoke:
            revoke_import(user, code)
        else:
            grant_import(user, code, now=utcnow())
    except GrantError as e:
        raise click.ClickException(str(e)) from None
    db.session.commit()
    click.echo(f"{'revoked' if revoke else 'granted'}: {username} imports for {code}")
