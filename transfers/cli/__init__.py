"""Command-line doors (`flask --help`): one module-level function per command.

Every command is registered here, in one place; each commits once (or once per chunk
for a long import).
"""

from __future__ import annotations

from flask import Flask

from transfers.cli.accounts import accounts_group
from transfers.cli.data import create_user_command, demo_command
from transfers.cli.imports import grant_import_command, import_ledger_command
from transfers.cli.operations import (
    audit_group,
    backup_command,
    restore_command,
    scheduler_command,
    serve_command,
    sweep_command,
)
from transfers.cli.places import places_group

COMMANDS = (
    demo_command,
    create_user_command,
    import_ledger_command,
    grant_import_command,
    serve_command,
    sweep_command,
    scheduler_command,
    backup_command,
    restore_command,
    audit_group,
    places_group,
    accounts_group,
)


def register_cli(app: Flask) -> None:
    """Add every command to `flask` for this application."""
    for command in COMMANDS:
        app.cli.add_command(command)
