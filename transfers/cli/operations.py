"""Commands that run and keep the service: serve, the deadline sweep, backups, audit."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext


def _app() -> Flask:
    """The application object itself, for code that runs outside this app context
    (a server's threads, the sweep's own context), as Flask documents for proxies."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # typed as Flask
    return app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int, threads: int) -> None:
    """Serve the web application with waitress in one process (one office, Windows,
    development); a province runs gunicorn with several workers (docs/DEPLOY.md)."""
    from waitress import serve

    click.echo(f"Serving on http://{host}:{port}  (Ctrl+C to stop)")
    serve(_app(), host=host, port=port, threads=threads, ident="household-transfers")


@click.command("sweep")
@click.option("--now", "now_flag", is_flag=True, help="Sweep as of now (the default).")
@click.option("--at", "at", default="", help="As of an instant: 2026-12-01T09:00+08:00.")
@with_appcontext
def sweep_command(now_flag: bool, at: str) -> None:
    """Run one deadline sweep (reminders, 催办, 督办, ledger problems) and summarize."""
    from transfers.scheduler import run_sweep

    instant = None
    if at:
        try:
            instant = datetime.fromisoformat(at)
        except ValueError:
            raise click.ClickException(f"--at is not an ISO instant: {at}") from None
        if instant.tzinfo is None:
            raise click.ClickException("--at needs a timezone, e.g. +08:00")
    result = run_sweep(_app(), instant)
    click.echo(result.summary())


@click.command("scheduler")
@click.option("--interval", default=60, show_default=True, type=int, help="Seconds.")
@with_appcontext
def scheduler_command(interval: int) -> None:
    """Run the scheduler process: the deadline sweep every minute (make run starts it)."""
    from transfers.scheduler import run_scheduler

    click.echo(f"Scheduler: deadline sweep every {interval} s (Ctrl+C to stop)")
    run_scheduler(_app(), interval)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path: str) -> None:
    """Back up the database to PATH (safe while the application runs)."""
    from transfers.backup import BackupError, backup

    try:
        written = backup(Path(path))
    except BackupError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"backup written to {written} ({written.stat().st_size} bytes)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: str, yes: bool) -> None:
    """Replace the database with the backup at PATH (stop web and scheduler first)."""
    from transfers.backup import BackupError, restore
    from transfers.engine.checkpoint import verify_audit

    if not yes:
        click.confirm("This replaces every row of the database. Continue?", abort=True)
    try:
        restore(Path(path))
    except BackupError as e:
        raise click.ClickException(str(e)) from None
    result = verify_audit()
    click.echo(
        f"restored from {path}: {result.cases} cases, {result.events} events, "
        f"{result.accesses} access log entries"
    )
    if result.problems:
        raise click.ClickException(f"audit chain broken after restore: {result.problems[0]}")
    click.echo("audit chain intact")


audit_group = AppGroup("audit", help="Audit trail tools.")


@audit_group.command("verify")
def audit_verify_command() -> None:
    """Check every audit chain under the audit key, up to its stored head and against
    the signed checkpoints; report the broken links."""
    from transfers.engine.checkpoint import verify_audit

    report = verify_audit()
    click.echo(
        f"checked {report.cases} cases, {report.events} events, "
        f"{report.accesses} access log entries, {report.checkpoints} checkpoints"
    )
    if report.problems:
        for p in report.problems[:20]:
            click.echo(f"BROKEN: {p}")
        raise SystemExit(1)
    click.echo("audit chain intact")


@audit_group.command("checkpoint")
def audit_checkpoint_command() -> None:
    """Sign and store the count and head of every audit chain (the scheduler does this
    daily)."""
    from transfers.scheduler import run_checkpoint

    checkpoint_id, signature = run_checkpoint(_app())
    click.echo(f"checkpoint {checkpoint_id} signed: {signature}")
