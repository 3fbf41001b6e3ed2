"""`flask backup` / `flask restore`: a round trip restores an identical database
(every row of every table, the audit chains verify), also when taken during writes."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from tests.conftest import NOW
from tests.security.figures import report
from transfers.cases.models import Case
from transfers.cases.services import open_intake
from transfers.engine import act
from transfers.engine.verify import verify_chains
from transfers.households.models import Household
from transfers.privacy.services import reveal_id_number, verify_access_log
from workflows.roles import Role

SUBMIT = {"option": "site_address", "building": "3", "unit": "2", "door": "501"}


def table_contents(db):  # type: ignore[no-untyped-def]
    """Every row of every table (and the migration head), in primary-key order."""
    db.session.expire_all()
    contents = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            contents[table.name] = [tuple(r) for r in rows]
        contents["alembic_version"] = sorted(
            conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
        )
    return contents


def _some_work(db, staff, police, make_household, n):  # type: ignore[no-untyped-def]
    for i in range(n):
        hh = make_household(members=2)
        intake = open_intake(
            household=hh, requests=[(p, "hukou") for p in hh.members], actor=staff, now=NOW
        )
        case = intake.cases[0]
        act(
            case_id=case.id,
            action="submit",
            actor=staff,
            seen_version=case.version,
            data=SUBMIT,
            now=NOW + timedelta(hours=1),
        )
        if i % 2:
            reveal_id_number(person=hh.members[1], actor=staff, purpose="hukou", now=NOW)
        db.session.commit()


def _release(db):  # type: ignore[no-untyped-def]
    db.session.commit()  # returns the connection; objects stay usable


def test_backup_restore_round_trip(app, db, make_user, make_household, tmp_path):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    police = make_user(Role.POLICE_STATION, "411221100")
    _some_work(db, staff, police, make_household, 6)
    before = table_contents(db)
    assert verify_chains().problems == []
    runner = app.test_cli_runner()
    path = tmp_path / "backup.dump"
    _release(db)
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert path.stat().st_size > 0 and (path.stat().st_mode & 0o077) == 0

    # the database changes after the backup: more work, a deletion, a tampered event
    _some_work(db, staff, police, make_household, 3)
    db.session.execute(
        text("UPDATE event SET reason = 'changed' WHERE id = (SELECT MIN(id) FROM event)")
    )
    db.session.execute(text("DELETE FROM access_log WHERE id = (SELECT MAX(id) FROM access_log)"))
    db.session.commit()
    assert table_contents(db) != before
    _release(db)

    result = runner.invoke(args=["restore", "--yes", str(path)])
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.output
    after = table_contents(db)
    assert after == before
    assert verify_chains().problems == [] and verify_access_log()[1] == []
    counts = {name: len(rows) for name, rows in after.items()}
    report(f"[backup] {db.engine.dialect.name}: restored row counts {counts}")
    # ids keep counting after the restore (sequences restored too)
    _some_work(db, staff, police, make_household, 1)
    assert db.session.scalar(select(func.count()).select_from(Household)) == 7


def test_backup_taken_during_writes_is_consistent(app, db, make_user, make_household, tmp_path):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    police = make_user(Role.POLICE_STATION, "411221100")
    _some_work(db, staff, police, make_household, 2)
    households = [make_household(members=1) for _ in range(12)]
    ids = [h.id for h in households]
    staff_id = staff.id
    _release(db)
    errors: list[BaseException] = []

    def writer() -> None:
        from transfers.auth.models import User
        from transfers.extensions import db as _db

        try:
            with app.app_context():
                actor = _db.session.get(User, staff_id)
                for hid in ids:
                    hh = _db.session.get(Household, hid)
                    open_intake(
                        household=hh, requests=[(hh.members[0], "hukou")], actor=actor, now=NOW
                    )
                    _db.session.commit()
                _db.session.remove()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    thread = threading.Thread(target=writer)
    thread.start()
    path = tmp_path / "live.dump"
    result = app.test_cli_runner().invoke(args=["backup", str(path)])
    thread.join()
    assert result.exit_code == 0 and not errors, (result.output, errors)
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(path)])
    assert result.exit_code == 0, result.output
    # whatever the snapshot caught, every case in it is whole: opened event and task
    cases = db.session.scalars(select(Case)).all()
    assert 2 * 2 <= len(cases) <= 2 * 2 + 12
    assert all(c.events and c.events[0].kind == "opened" for c in cases)
    assert verify_chains().problems == []


def test_restore_refuses_a_file_that_is_not_a_backup(app, db, tmp_path):
    bogus = tmp_path / "bogus.dump"
    bogus.write_bytes(b"not a database at all" * 100)
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(bogus)])
    assert result.exit_code != 0
    assert db.session.scalar(text("SELECT COUNT(*) FROM alembic_version")) >= 1


def test_backup_files_are_private_from_their_first_byte(app, db, tmp_path, monkeypatch):
    """A backup killed half-way leaves no readable copy: the temp file is 0600 as soon
    as anything is written into it."""
    import sqlite3
    import stat

    from transfers import backup as backup_module

    modes = []
    real_connect = sqlite3.connect

    def watch(target, *args, **kwargs):  # type: ignore[no-untyped-def]
        conn = real_connect(target, *args, **kwargs)
        if str(target).endswith(".part"):
            modes.append(stat.S_IMODE(Path(target).stat().st_mode))
        return conn

    monkeypatch.setattr(backup_module.sqlite3, "connect", watch)
    _release(db)
    backup_module.backup(tmp_path / "b.dump")
    if db.engine.dialect.name == "sqlite":
        assert modes == [0o600]
    for name in ("b.dump", "b.dump.documents.tar.gz"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600


def test_uploaded_documents_come_back_with_a_restore(app, db, tmp_path):
    from transfers.backup import backup, restore

    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "abc123.pdf").write_bytes(b"%PDF-1.4 kept")
    _release(db)
    backup(tmp_path / "b.dump")
    (folder / "abc123.pdf").unlink()
    _release(db)
    restore(tmp_path / "b.dump")
    assert (folder / "abc123.pdf").read_bytes() == b"%PDF-1.4 kept"
