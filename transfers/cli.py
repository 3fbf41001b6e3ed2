"""Command-line doors: demo data, users, audit. Each command commits once."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select

from transfers.extensions import db


def register_cli(app: Flask) -> None:
    register_import_cli(app)

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
        click.echo(
            "Deadline sweep: {escalations} reminders/escalations, "
            "{problems} ledger problems.".format(**summary)
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

    @app.cli.command("bench-data")
    @click.option("--persons", default=400_000, show_default=True, type=int)
    @click.option("--seed", default=7, show_default=True, type=int)
    def bench_data_command(persons: int, seed: int) -> None:
        """Generate a province-scale data set into an empty database (for bench/)."""
        from transfers.benchdata import BENCH_PASSWORD, generate
        from transfers.jurisdictions.models import Jurisdiction

        if db.session.scalar(select(func.count()).select_from(Jurisdiction)):
            raise click.ClickException("database is not empty; use a fresh database")
        counts = generate(persons, seed=seed, progress=click.echo)
        db.session.commit()
        click.echo(
            "generated {households} households, {persons} persons, {cases} cases, "
            "{tasks} open tasks ({overdue_tasks} overdue) and {closed_tasks} closed, "
            "{events} events in {seconds} s".format(**counts)
        )
        click.echo(f"bench users (password {BENCH_PASSWORD}): bench_police, bench_county_lead, ...")
    @app.cli.command("sweep")
    @click.option("--now", "now_flag", is_flag=True, help="Sweep as of now (the default).")
    @click.option("--at", "at", default="", help="As of an instant: 2026-12-01T09:00+08:00.")
    def sweep_command(now_flag: bool, at: str) -> None:
        """Run one deadline sweep (reminders, 催办, 督办, ledger problems) and summarize."""
        from datetime import datetime

        from transfers.scheduler import run_sweep

        instant = None
        if at:
            instant = datetime.fromisoformat(at)
            if instant.tzinfo is None:
                raise click.ClickException("--at needs a timezone, e.g. +08:00")
        result = run_sweep(app, instant)
        click.echo(result.summary())

    @app.cli.command("scheduler")
    @click.option("--interval", default=60, show_default=True, type=int, help="Seconds.")
    def scheduler_command(interval: int) -> None:
        """Run the scheduler process: the deadline sweep every minute (make run starts it)."""
        from transfers.scheduler import run_scheduler

        click.echo(f"Scheduler: deadline sweep every {interval} s (Ctrl+C to stop)")
        run_scheduler(app, interval)

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


def register_import_cli(app: Flask) -> None:
    @app.cli.command("import-ledger")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Validate and report only; import nothing.")
    @click.option("--errors", "errors_path", type=click.Path(dir_okay=False),
                  help="Write the invalid rows, with an error column, to this .xlsx file.")
    def import_ledger_command(path: str, dry_run: bool, errors_path: str | None) -> None:
        """Import households and persons from a village ledger (.xlsx or .csv).

        Validation is stored first (one transaction); the valid households are then
        committed in chunks, so a long import shows progress and can be resumed.
        """
        from pathlib import Path

        from transfers.db import utcnow
        from transfers.imports.ledger import LedgerFormatError
        from transfers.imports.services import import_step, stage_ledger, write_invalid_rows

        file = Path(path)
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
        if errors_path and batch.invalid_rows:
            with open(errors_path, "wb") as out:
                write_invalid_rows(batch, out)
            click.echo(f"invalid rows written to {errors_path}")
        if dry_run:
            db.session.rollback()
            click.echo("dry run: nothing imported")
            return
        db.session.commit()
        with click.progressbar(length=batch.total_households, label="importing") as bar:
            done = False
            while not done:
                before = batch.processed_households
                done = import_step(batch, now=utcnow())
                db.session.commit()
                bar.update(batch.processed_households - before)
        click.echo(
            f"created {batch.created_households} households, {batch.created_persons} persons"
        )
        if batch.invalid_rows:
            raise SystemExit(2)
