"""`flask places`: find a county in the official division codes and enable it."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from transfers.extensions import db

places_group = AppGroup("places", help="Places from the official division codes (2023).")


@places_group.command("search")
@click.argument("query")
def search_command(query: str) -> None:
    """List the counties whose name contains QUERY (or whose code starts with it)."""
    from transfers.jurisdictions.divisions import find_counties, full_name

    found = find_counties(query)
    if not found:
        raise click.ClickException(f"no county matches {query!r}")
    for d in found:
        click.echo(f"{d.code}  {full_name(d)}")


@places_group.command("enable-county")
@click.argument("query")
@click.option("--dry-run", is_flag=True, help="Show what would be created; change nothing.")
def enable_county_command(query: str, dry_run: bool) -> None:
    """Create a county's townships and villages (QUERY: its name or 6-digit code).
    Places that already exist are kept: running it twice changes nothing."""
    from transfers.jurisdictions.enabling import EnableRefused, enable_county, plan_county

    try:
        plan, created = (plan_county(query), 0) if dry_run else enable_county(query)
    except EnableRefused as e:
        raise click.ClickException(str(e)) from None
    click.echo(
        f"{plan.full_name} ({plan.county.code}): {len(plan.townships)} townships, "
        f"{plan.village_count} villages/communities."
    )
    for township in plan.townships:
        names = "、".join(v.name for v in township.villages)
        click.echo(f"  {township.division.code} {township.division.name}: {names}")
    if dry_run:
        click.echo(f"Dry run: {plan.new_count} jurisdictions would be created; nothing changed.")
        return
    db.session.commit()
    click.echo(f"Created {created} jurisdictions; {len(plan.existing)} already existed.")


@places_group.command("import-sites")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row; create nothing.")
def import_sites_command(path: Path, dry_run: bool) -> None:
    """Create 安置点 from a sheet (安置点名称, 所在村（社区）, 安置方式, 地址).
    All or nothing: any fault creates no site (exit status 2)."""
    from transfers.cli.sheets import checked_rows
    from transfers.sites.from_sheet import COLUMNS, check_rows, create_sites

    rows = checked_rows(path, COLUMNS, check_rows, "site")
    if dry_run:
        click.echo(f"Dry run: {len(rows)} rows, no faults; nothing created.")
        return
    created = create_sites(rows)
    db.session.commit()
    click.echo(f"Created {len(created)} sites.")
