"""The `flask` commands, through Flask's CLI test runner: names, options, exit status."""

from __future__ import annotations

import csv
from datetime import date

from sqlalchemy import func, select

from tests.conftest import make_id
from tests.test_imports import ledger_xlsx
from transfers.auth.models import User
from transfers.households.models import Household
from transfers.imports.ledger import COLUMNS
from transfers.imports.models import ImportBatch

COMMANDS = {
    "demo",
    "create-user",
    "import-ledger",
    "serve",
    "sweep",
    "scheduler",
    "backup",
    "restore",
    "audit",
    "places",
    "accounts",
}


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model))


def clean_ledger(path, households: int = 2) -> None:  # type: ignore[no-untyped-def]
    """A .csv ledger of valid rows only: `households` households of two persons."""
    index = {c.key: i for i, c in enumerate(COLUMNS)}
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh)
        out.writerow([c.header for c in COLUMNS])
        for h in range(1, households + 1):
            for m in range(2):
                row = [""] * len(COLUMNS)
                row[index["household_no"]] = str(h)
                row[index["name"]] = "王建国" if m == 0 else "李秀英"
                birth = date(1960 + h, 3, 1 + m)
                row[index["id_number"]] = make_id(birth=birth, seq=h, sex="F" if m else "M")
                row[index["relation"]] = "户主" if m == 0 else "配偶"
                row[index["origin_code"]] = "411221205201"
                row[index["destination_code"]] = "411221100201"
                row[index["settlement_mode"]] = "分散安置"
                row[index["collective_member"]] = "是"
                out.writerow(row)


def test_help_lists_every_command_once(app):
    result = app.test_cli_runner().invoke(args=["--help"])
    assert result.exit_code == 0, result.output
    listed = {line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line}
    assert COMMANDS <= listed


def test_import_dry_run_with_invalid_rows_exits_2_and_imports_nothing(app, db, geo, tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(ledger_xlsx())
    errors = tmp_path / "errors.xlsx"
    result = app.test_cli_runner().invoke(
        args=["import-ledger", str(path), "--dry-run", "--errors", str(errors)]
    )
    assert result.exit_code == 2, result.output
    assert "8 invalid" in result.output and "dry run: nothing imported" in result.output
    assert errors.exists()
    assert count(db, ImportBatch) == 0 and count(db, Household) == 0


def test_import_clean_ledger_dry_run_exits_0_then_imports(app, db, geo, tmp_path):
    path = tmp_path / "ledger.csv"
    clean_ledger(path)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import-ledger", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "4 rows: 4 to import (2 households), 0 invalid" in dry.output
    assert count(db, Household) == 0
    real = runner.invoke(args=["import-ledger", str(path)])
    assert real.exit_code == 0, real.output
    assert "created 2 households, 4 persons" in real.output
    assert count(db, Household) == 2


def test_import_unreadable_file_is_an_error(app, db, geo, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"name,id\n1,2\n")
    result = app.test_cli_runner().invoke(args=["import-ledger", str(path)])
    assert result.exit_code == 1 and "Error:" in result.output
    assert count(db, ImportBatch) == 0


def test_create_user_with_a_grant_and_refusals(app, db, geo):
    runner = app.test_cli_runner()
    args = ["create-user", "zhang", "--name", "张警官", "--password", "pw-123456"]
    unknown_code = runner.invoke(args=[*args, "--role", "police_station@999"])
    assert unknown_code.exit_code == 1 and "unknown division code 999" in unknown_code.output
    unknown_role = runner.invoke(args=[*args, "--role", "sheriff@411221100"])
    assert unknown_role.exit_code == 1 and "unknown role sheriff" in unknown_role.output
    assert count(db, User) == 0
    ok = runner.invoke(args=[*args, "--role", "police_station@411221100"])
    assert ok.exit_code == 0 and "created zhang" in ok.output
    user = db.session.scalar(select(User).where(User.username == "zhang"))
    assert [(g.role, g.jurisdiction.code) for g in user.grants] == [("police_station", "411221100")]


def test_demo_refuses_a_database_with_data(app, db, geo):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["demo"])
    assert refused.exit_code == 1 and "database is not empty" in refused.output
    kept = runner.invoke(args=["demo", "--if-empty"])
    assert kept.exit_code == 0 and "demo not loaded again" in kept.output


def test_sweep_needs_a_timezone_and_a_valid_instant(app, db):
    runner = app.test_cli_runner()
    naive = runner.invoke(args=["sweep", "--at", "2026-12-01T09:00"])
    assert naive.exit_code == 1 and "--at needs a timezone" in naive.output
    garbage = runner.invoke(args=["sweep", "--at", "tomorrow"])
    assert garbage.exit_code == 1 and "not an ISO instant" in garbage.output
    ok = runner.invoke(args=["sweep", "--at", "2026-12-01T09:00+08:00"])
    assert ok.exit_code == 0 and "新增问题0个" in ok.output


def test_audit_verify_on_an_empty_record(app, db):
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "audit chain intact" in result.output
