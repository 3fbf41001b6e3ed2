"""Command-line doors: demo data, users, audit. Each command commits once."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select

from transfers.extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Only load when the database has no data.")
    @click.option("--seed", default=20261127, show_default=True)
    def demo_command(if_empty: bool, seed: int) -> None:
        """Load the demo county (渑池县) with households, users and cases."""
        from transfers.demo import DEMO_PASSWORD, load_demo, print_logins
        from transfers.jurisdictions.models import Jurisdiction

        if db.session.scalar(select(func.count()).select_from(Jurisdiction)):
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
        click.echo(f"All demo accounts use the password: {DEMO_PASSWORD}")
        print_logins()

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--name", "display_name", required=True)
    @click.option("--role", "roles", multiple=True, help="ROLE@DIVISION_CODE, repeatable")
    @click.password_option()
    def create_user_command(username: str, display_name: str, roles: tuple[str], password: str) -> None:
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

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    @click.option("--threads", default=8, show_default=True, type=int)
    def serve_command(host: str, port: int, threads: int) -> None:
        """Serve the web application with waitress (a production WSGI server)."""
        from waitress import serve

        click.echo(f"Serving on http://{host}:{port}  (Ctrl+C to stop)")
        serve(app, host=host, port=port, threads=threads, ident="household-transfers")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup_command(path: str) -> None:
        """Back up the database to PATH (safe while the application runs)."""
        from pathlib import Path

        from transfers.backup import BackupError, backup

        try:
            written = backup(Path(path))
        except BackupError as e:
            raise click.ClickException(str(e)) from None
        click.echo(f"backup written to {written} ({written.stat().st_size} bytes)")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def restore_command(path: str, yes: bool) -> None:
        """Replace the database with the backup at PATH (stop web and scheduler first)."""
        from pathlib import Path

        from transfers.backup import BackupError, restore
        from transfers.engine.verify import verify_chains

        if not yes:
            click.confirm("This replaces every row of the database. Continue?", abort=True)
        try:
            restore(Path(path))
        except BackupError as e:
            raise click.ClickException(str(e)) from None
        result = verify_chains()
        click.echo(f"restored from {path}: {result.cases} cases, {result.events} events")
        if result.problems:
            raise click.ClickException(f"audit chain broken after restore: {result.problems[0]}")
        click.echo("audit chain intact")

    @app.cli.group("audit")
    def audit_group() -> None:
        """Audit trail tools."""

    @audit_group.command("verify")
    def audit_verify() -> None:
        """Recompute every case's event hash chain; report the first broken link."""
        from transfers.engine.verify import verify_chains
        from transfers.privacy.services import verify_access_log

        result = verify_chains()
        accesses, access_problems = verify_access_log()
        click.echo(
            f"checked {result.cases} cases, {result.events} events, {accesses} access log entries"
        )
        problems = result.problems + access_problems
        if problems:
            for p in problems[:20]:
                click.echo(f"BROKEN: {p}")
            raise SystemExit(1)
        click.echo("audit chain intact")
