"""Two server processes on one PostgreSQL, with rate limits counted in one Redis, as a
deployment with several processes runs: a login lockout and a rate limit hold across
both, and a session opened on one works on the other.

It needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL); `.ci/run` provides both for its
PostgreSQL pass, where a missing Redis fails the test instead of skipping it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import NOW, PASSWORD, csrf_from
from transfers.cases.services import open_intake
from workflows.roles import Role

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgresql")
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="needs PostgreSQL: run with DATABASE_URL (.ci/run does)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SECRET_KEY": "two-processes-secret",
        "AUDIT_KEY": "two-processes-audit-key",
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "UPLOAD_FOLDER": str(log.parent / "documents"),
    }
    cmd = [sys.executable, "-m", "flask", "--app", "transfers", "serve", "--port", str(port)]
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server process ended"
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"{base} did not come up")


@pytest.fixture()
def servers(db, tmp_path: Path) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    if not REDIS_URL:
        if os.environ.get("CI"):
            pytest.fail("REDIS_URL is not set: .ci/run must start Redis for this test")
        pytest.skip("needs Redis for shared rate limits: set REDIS_URL (.ci/run does)")
    procs, bases = [], []
    try:
        for _ in range(2):
            port = _free_port()
            procs.append(_start(port, tmp_path / f"server-{port}.log"))
            bases.append(f"http://127.0.0.1:{port}")
        for base, proc in zip(bases, procs, strict=True):
            _wait_ready(base, proc)
        yield bases[0], bases[1]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)


def _login(session: requests.Session, base: str, username: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_from(session.get(f"{base}/login", timeout=10).text)
    return session.post(
        f"{base}/login",
        data={"csrf_token": token, "username": username, "password": password},
        allow_redirects=False,
        timeout=10,
    )


def test_a_lockout_holds_across_processes(db, make_user, servers):  # type: ignore[no-untyped-def]
    user = make_user(Role.VILLAGE_STAFF, "411221100201")
    db.session.commit()
    a, b = servers
    s = requests.Session()
    for i in range(5):  # alternating between the two processes
        resp = _login(s, a if i % 2 == 0 else b, user.username, "wrong")
        assert resp.status_code == 401
    resp = _login(s, b, user.username, PASSWORD)
    assert resp.status_code == 401 and "已锁定" in resp.text


def test_a_session_opened_on_one_process_works_on_the_other(db, make_user, servers):  # type: ignore[no-untyped-def]
    user = make_user(Role.VILLAGE_STAFF, "411221100201")
    db.session.commit()
    a, b = servers
    s = requests.Session()
    assert _login(s, a, user.username, PASSWORD).status_code == 302
    resp = s.get(f"{b}/tasks/", allow_redirects=False, timeout=10)
    assert resp.status_code == 200 and "待办" in resp.text


def test_a_rate_limit_holds_across_processes(db, make_user, make_household, servers):  # type: ignore[no-untyped-def]
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    household = make_household()
    intake = open_intake(
        household=household, requests=[(household.members[0], "hukou")], actor=staff, now=NOW
    )
    db.session.commit()
    a, b = servers
    real = {p.id_number[-4:] for p in household.members}
    wrong = [t for t in (f"{n:04d}" for n in range(20)) if t not in real][:11]
    codes = []
    for i, tail in enumerate(wrong):  # ten guesses on one receipt are allowed a minute, in all
        resp = requests.get(
            f"{a if i % 2 == 0 else b}/api/v1/public/status",
            params={"receipt_no": intake.receipt_no, "id_tail": tail},
            timeout=10,
        )
        codes.append(resp.status_code)
    assert codes[:10] == [404] * 10 and codes[10] == 429
