"""Two server processes on one database, with rate limits counted in one Redis, as a
deployment with several processes runs: a login lockout and a rate limit hold across
both, and a session opened on one works on the other.

Each process is the production server started as docs/DEPLOY.md says (gunicorn with
deploy/gunicorn.conf.py), here one worker on each of two ports so that the test knows
which process answers; a third server runs two workers behind one port and its /metrics
adds up both workers' figures. The test starts its own Redis (Debian's redis-server,
installed by `make test`) and runs the servers on the suite's database: SQLite by
default, PostgreSQL with DATABASE_URL."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.conftest import NOW, PASSWORD, csrf_from
from transfers.cases.services import open_intake
from workflows.roles import Role

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _start(port: int, log: Path, redis_url: str, workers: int = 1) -> subprocess.Popen[bytes]:
    """The production server of docs/DEPLOY.md on `port` with `workers` processes."""
    env = {
        **os.environ,
        "SECRET_KEY": "two-processes-secret",
        "AUDIT_KEY": "two-processes-audit-key",
        "RATELIMIT_STORAGE_URI": redis_url,
        "UPLOAD_FOLDER": str(log.parent / "documents"),
        "PROMETHEUS_MULTIPROC_DIR": str(log.parent / f"metrics-{port}"),
    }
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "transfers:create_app()",
    ]
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90  # workers import the app after the port opens
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server process ended"
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # a worker still starting
            time.sleep(0.2)
    raise AssertionError(f"{base} did not come up")


@pytest.fixture()
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A Redis of this test's own on a free loopback port, gone when the test ends."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is missing: `make test` installs it (.ci/redis.sh install)"
    port = _free_port()
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with (tmp_path / "redis.log").open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while not _listening(port):
            assert proc.poll() is None and time.monotonic() < deadline, "Redis did not start"
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture()
def servers(db, redis_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    procs, bases = [], []
    try:
        for _ in range(2):
            port = _free_port()
            procs.append(_start(port, tmp_path / f"server-{port}.log", redis_url))
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


def _healthz(base: str) -> int:
    return requests.get(f"{base}/healthz", timeout=10).status_code


def test_metrics_add_up_the_workers_of_one_server(db, redis_url, tmp_path):  # type: ignore[no-untyped-def]
    from prometheus_client.parser import text_string_to_metric_families

    port = _free_port()
    proc = _start(port, tmp_path / "server.log", redis_url, workers=2)
    base = f"http://127.0.0.1:{port}"
    metrics = tmp_path / f"metrics-{port}"
    try:
        _wait_ready(base, proc)
        sent = 0
        with ThreadPoolExecutor(8) as pool:  # eight at once: one busy worker leaves some
            for _ in range(50):  # to the other; rounds until both have answered
                codes = list(pool.map(lambda _: _healthz(base), range(8)))
                assert codes == [200] * 8
                sent += 8
                pids = {p.name.rsplit("_", 1)[-1] for p in metrics.glob("*.db")}
                if len(pids) == 2:
                    break
        text = requests.get(f"{base}/metrics", timeout=10).text
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    served = sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "transfers_request_duration_seconds_count"
        and sample.labels["endpoint"] == "main.healthz"
    )
    assert served >= sent  # the readiness probes and the rounds, whichever worker answered
    assert len(pids) == 2, pids  # both workers keep their own figures
