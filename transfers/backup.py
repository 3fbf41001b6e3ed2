"""`flask backup PATH` / `flask restore PATH`.

SQLite: sqlite3's online backup API copies a consistent snapshot page by page while the
application keeps running (a plain file copy of a WAL database can be torn). PostgreSQL:
pg_dump's custom format (a consistent snapshot, taken while running) and pg_restore in
one transaction, so a failed restore leaves the database as it was.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL

from transfers.extensions import db


class BackupError(RuntimeError):
    pass


def _url() -> URL:
    return db.engine.url


def _release_connections() -> None:
    # Return this process's connections, so that none holds a lock the restore needs.
    db.session.rollback()
    db.engine.dispose()


def postgres_tool(name: str) -> str:
    """pg_dump/pg_restore from PATH, else the newest Debian cluster's bin directory."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if not candidates:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools")
    return candidates[-1]


def _pg_env(url: URL) -> tuple[dict[str, str], str]:
    """Connection settings as libpq environment variables (no password on the command
    line, where `ps` would show it)."""
    env = dict(os.environ)
    for var, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
    ):
        if value is not None:
            env[var] = str(value)
    return env, str(url.database or "postgres")


def _run(cmd: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {proc.stderr.strip()[-2000:]}")


def backup(path: Path) -> Path:
    """Write a consistent copy of the database to `path` (atomically: temp file, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.unlink(missing_ok=True)
    url = _url()
    if url.get_backend_name() == "sqlite":
        src = sqlite3.connect(url.database or "")
        dst = sqlite3.connect(tmp)
        try:
            with dst:
                src.backup(dst)
            # one self-contained file: no -wal/-shm beside it when it is opened later
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
            src.close()
    elif url.get_backend_name() == "postgresql":
        env, dbname = _pg_env(url)
        _run([postgres_tool("pg_dump"), "-Fc", "--no-owner", "-f", str(tmp), dbname], env)
    else:
        raise BackupError(f"unsupported database {url.get_backend_name()}")
    os.chmod(tmp, 0o600)  # personal data: readable by the service account only
    tmp.replace(path)
    return path


def _check_sqlite_backup(path: Path) -> None:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as e:
        raise BackupError(f"not a SQLite backup: {e}") from None
    finally:
        con.close()
    if ok != "ok" or "alembic_version" not in tables:
        raise BackupError("the backup file is damaged or is not a database of this application")


def restore(path: Path) -> None:
    """Replace the database's contents with the backup at `path`.

    Stop the web workers and the scheduler first: sessions open during a restore see
    the database change under them.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no such backup file: {path}")
    url = _url()
    _release_connections()
    if url.get_backend_name() == "sqlite":
        _check_sqlite_backup(path)
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        dst = sqlite3.connect(url.database or "", timeout=30)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
    elif url.get_backend_name() == "postgresql":
        env, dbname = _pg_env(url)
        _run(
            [
                postgres_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "-d",
                dbname,
                str(path),
            ],
            env,
        )
    else:
        raise BackupError(f"unsupported database {url.get_backend_name()}")
