"""Commands that put data in: the demo county, a user (ledgers: `transfers.cli.imports`)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from transfers.extensions import db


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
