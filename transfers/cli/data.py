"""Commands that put data in: the demo county, a user, a village ledger."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from transfers.extensions import db

if TYPE_CHECKING:
    from transfers.imports.models import ImportBatch

#: Exit status of `import-ledger` when some rows were invalid (with or without --dry-run).
INVALID_ROWS_EXIT = 2


def _database_has_data() -> bool:
    from transfers.jurisdictions.models import Jurisdiction

    return bool(db.session.scalar(select(func.count()).select_from(Jurisdiction)))


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load when the database has no data.")
@click.option("--seed", default=20261127, show_default=True)
@with_appcontext
def demo_command(if_empty: bool, seed: int) -> None:
    """Load the demo county (渑池县) with households, users and cases."""
    from transfers.demo import load_demo, print_logins
    from transfers.demo_county import DEMO_PASSWORD

    if _database_has_data():
        if if_empty:
            click.echo("Database already has data; demo not loaded again.")
            print_logins()
            return
        raise click.ClickException("database is not empty; use a fresh database")
    summary = load_demo(seed=seed)
    db.session.commit()
    click.echo(
        "Demo county loaded: {jurisdictions} jurisdictions, {sites} sites, "
        "{households} households, {persons} persons, {cases} cases, {users} users.".format(
            **summary
        )
    )
    click.echo(
        "Deadline sweep: {escalations} reminders/escalations, {problems} ledger problems.".format(
            **summary
        )
    )
    click.echo(f"All demo accounts use the password: {DEMO_PASSWORD}")
    print_logins()


@click.command("create-user")
@click.argument("username")
@click.option("--name", "display_name", required=True)
@click.option("--role", "roles", multiple=True, help="ROLE@DIVISION_CODE, repeatable")
@click.password_option()
@with_appcontext
def create_user_command(
    username: str, display_name: str, roles: tuple[str, ...], password: str
) -> None:
    """Create a user with role grants, e.g. --role police_station@411221100."""
    from transfers.auth.services import create_user
    from transfers.jurisdictions.models import Jurisdiction
    from workflows.roles import Role

    grants = []
    for spec in roles:
        role, _, code = spec.partition("@")
        j = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
        if j is None:
            raise click.ClickException(f"unknown division code {code}")
        try:
            grants.append((Role(role), j))
        except ValueError:
            raise click.ClickException(f"unknown role {role}") from None
    create_user(username, display_name, password, grants)
    db.session.commit()
    click.echo(f"created {username}")


@click.command("import-ledger")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate and report only; import nothing.")
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(dir_okay=False),
    help="Write the invalid rows, with an error column, to this .xlsx file.",
)
@with_appcontext
def import_ledger_command(path: str, dry_run: bool, errors_path: str | None) -> None:
    """Import households and persons from a village ledger (.xlsx or .csv).

    Validation is stored first (one transaction); the valid households are then
    committed in chunks, so a long import shows progress and can be resumed. Exits
    with status 2 when some rows are invalid, with --dry-run too.
    """
    batch = _stage(Path(path))
    invalid = batch.invalid_rows  # read now: a dry run rolls the batch back
    if errors_path and invalid:
        from transfers.imports.services import write_invalid_rows

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


def _stage(file: Path) -> ImportBatch:
    """Check every row of the ledger and report the counts (nothing committed)."""
    from transfers.db import utcnow
    from transfers.imports.ledger import LedgerFormatError
    from transfers.imports.services import stage_ledger

    try:
        batch = stage_ledger(
            file,
            file.name,
            actor=None,
            allowed_villages=None,
            now=utcnow(),
            progress=lambda n: click.echo(f"\rchecked {n} rows", nl=False),
        )
    except LedgerFormatError as e:
        raise click.ClickException(str(e)) from None
    click.echo("")
    click.echo(
        f"{batch.total_rows} rows: {batch.valid_rows} to import "
        f"({batch.total_households} households), {batch.invalid_rows} invalid, "
        f"{batch.existing_rows} already registered"
    )
    return batch


def _import_valid_households(batch: ImportBatch) -> None:
    """Import the staged households chunk by chunk, committing each, with a progress bar."""
    from transfers.db import utcnow
    from transfers.imports.services import import_step

    with click.progressbar(length=batch.total_households, label="importing") as bar:
        done = False
        while not done:
            before = batch.processed_households
            done = import_step(batch, now=utcnow())
            db.session.commit()
            bar.update(batch.processed_households - before)
    click.echo(f"created {batch.created_households} households, {batch.created_persons} persons")
