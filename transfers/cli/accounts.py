"""`flask accounts import-sheet`: a county's office accounts from one spreadsheet."""

from __future__ import annotations

import csv
from pathlib import Path

import click
from flask.cli import AppGroup

from transfers.extensions import db

accounts_group = AppGroup("accounts", help="Accounts in bulk.")


@accounts_group.command("import-sheet")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row; create nothing.")
@click.option(
    "--passwords",
    "passwords_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the initial passwords to this .csv (else they are printed).",
)
def import_sheet_command(path: Path, dry_run: bool, passwords_out: Path | None) -> None:
    """Create accounts from a sheet with the columns 角色, 管辖区域, 姓名, 手机号 (the
    user name is the mobile number). All or nothing: any fault creates no account."""
    from transfers.admin.bulk_accounts import COLUMNS, check_rows, create_accounts
    from transfers.cli.sheets import checked_rows

    rows = checked_rows(path, COLUMNS, check_rows, "account")
    if dry_run:
        click.echo(f"Dry run: {len(rows)} rows, no faults; nothing created.")
        return
    created = create_accounts(rows)
    db.session.commit()
    table = [(a.username, a.name, a.role_label, a.place, a.password) for a in created]
    if passwords_out is not None:
        with passwords_out.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(("用户名", "姓名", "角色", "管辖区域", "初始密码"))
            writer.writerows(table)
        click.echo(f"Created {len(created)} accounts; initial passwords in {passwords_out}.")
        return
    for row in table:
        click.echo("  ".join(row))
    click.echo(f"Created {len(created)} accounts; each changes the password at first login.")
