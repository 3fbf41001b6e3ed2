"""`flask backup PATH` / `flask restore PATH`.

SQLite: sqlite3's online backup API copies a consistent snapshot page by page while the
application keeps running (a plain file copy of a WAL database can be torn). PostgreSQL:
pg_dump's custom format (a consistent snapshot, taken while running) and pg_restore in
one transaction, so a failed restore leaves the database as it was.

The uploaded documents (the case files behind the database's document rows) go beside the
database copy, as `PATH.documents.tar.gz`, and come back with it. Every file a backup
writes is created readable by the service account only (0600) from its first byte, so a
backup killed half-way leaves no copy of personal data that others can read.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from flask import current_app
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


def documents_archive(path: Path) -> Path:
    """Where the documents of the database backup at `path` are kept."""
    return path.with_name(path.name + ".documents.tar.gz")


def _private_file(path: Path) -> Path:
    """A new empty file at `path`, readable and writable by its owner only."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def _upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def _backup_documents(path: Path) -> None:
    tmp = _private_file(documents_archive(path).with_name(documents_archive(path).name + ".part"))
    folder = _upload_folder()
    with tarfile.open(tmp, "w:gz") as tar:
        if folder.is_dir():
            for item in sorted(folder.iterdir()):
                if item.is_file():
                    tar.add(item, arcname=item.name)
    tmp.replace(documents_archive(path))


def _restore_documents(path: Path) -> None:
    archive = documents_archive(path)
    if not archive.is_file():
        return
    folder = _upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(folder, filter="data")


def backup(path: Path) -> Path:
    """Write a consistent copy of the database to `path` (atomically: temp file, rename)
    and the uploaded documents beside it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _private_file(path.with_name(path.name + ".part"))
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
    tmp.replace(path)
    _backup_documents(path)
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
    _restore_documents(path)
