"""The load test: the production server (gunicorn, N workers) and the scheduler on
PostgreSQL with the province data set, driven by headless Locust at 1 user (each kind of
user alone in turn), 10, 50 and 100 users, then at saturation (no think time); per-page
p50/p95/p99, throughput, failures, CPU seconds of each process, the CPU bound, the knee
and the targets MET or NOT MET.

    python bench/load/run.py [--persons 400000] [--workers N] [--seconds 60]
                             [--database-url URL --reuse]

Without --database-url a throwaway PostgreSQL is started (.ci/postgres.sh) and the
province is built into it (bench/make_province.py); BENCH_PERSONS sets the default size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import requests
from report import Stage, judge, knee, print_stage, print_verdicts, read_stage

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
HERE = Path(__file__).resolve().parent
# The servers (PostgreSQL, the scheduler, gunicorn) run a little below Locust's priority:
# on a machine they share, the load generator should read each response when it comes,
# as it would from a machine of its own, and not add its own waits for a core to the
# latencies it records. Their CPU seconds are counted all the same.
SERVER_NICE = 5


def _sh(*args: str) -> str:
    return subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def _cpu(pid: int) -> float:
    """CPU seconds of a process, its live descendants and its reaped children."""
    try:
        root = psutil.Process(pid)
        t = root.cpu_times()
        total = t.user + t.system + t.children_user + t.children_system
        for child in root.children(recursive=True):
            try:
                c = child.cpu_times()
                total += c.user + c.system
            except psutil.NoSuchProcess:
                pass
        return total
    except psutil.NoSuchProcess:
        return 0.0


def _listener(port: int) -> int:
    """The process listening on a local TCP port (the PostgreSQL postmaster)."""
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
            return conn.pid
    raise SystemExit(f"nothing listens on port {port}")


def _busy() -> float:
    """CPU seconds the whole machine spent busy (every core, every process)."""
    t = psutil.cpu_times()
    # guest time is already counted in user and nice time; iowait is idle.
    idle = t.idle + sum(getattr(t, k, 0.0) for k in ("iowait", "guest", "guest_nice"))
    return sum(t) - idle


def _locust_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)  # Locust is the child reaped per stage
    return r.ru_utime + r.ru_stime


class Deployment:
    """PostgreSQL, Redis, the scheduler and gunicorn, as docs/DEPLOY.md runs them."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args, self.work, self.procs = args, work, {}  # type: ignore[var-annotated]
        # Its own top-level directory: as root the cluster belongs to the postgres user.
        self.pg_dir = Path(tempfile.mkdtemp(prefix="transfers-load-pg-"))
        self.pids: dict[str, int] = {}
        self.url = args.database_url
        self.base = f"http://127.0.0.1:{args.port}"

    def start(self) -> None:
        if not self.url:
            self.url = _sh(
                "nice",
                "-n",
                str(SERVER_NICE),
                "bash",
                ".ci/postgres.sh",
                "start",
                str(self.pg_dir),
                str(self.args.pg_port),
            )
        self.pids["postgresql"] = _listener(urlsplit(self.url).port or 5432)
        if not self.args.reuse:
            t0 = time.perf_counter()
            subprocess.run(
                [
                    PY,
                    "bench/make_province.py",
                    "--persons",
                    str(self.args.persons),
                    "--database-url",
                    self.url,
                ],
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            self._analyze()
            print(
                f"province of {self.args.persons} persons built in {time.perf_counter() - t0:.0f} s"
            )
        plan = self.work / "plan.json"
        subprocess.run(
            [
                PY,
                str(HERE / "accounts.py"),
                "--database-url",
                self.url,
                "--users",
                str(self.args.max_users),
                "--out",
                str(plan),
            ],
            cwd=ROOT,
            check=True,
        )
        redis = _sh(
            "nice",
            "-n",
            str(SERVER_NICE),
            "bash",
            ".ci/redis.sh",
            "start",
            str(self.work / "redis"),
            str(self.args.redis_port),
        )
        self.pids["redis"] = int(
            _sh("redis-cli", "-p", str(self.args.redis_port), "info", "server")
            .split("process_id:")[1]
            .split()[0]
        )
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "SECRET_KEY": "load-test-secret",
            "AUDIT_KEY": "load-test-audit-key",
            "RATELIMIT_STORAGE_URI": redis,
            "HEALTHZ_REQUIRE_SWEEP": "1",
            "UPLOAD_FOLDER": str(self.work / "documents"),
            "PROMETHEUS_MULTIPROC_DIR": str(self.work / "metrics"),
        }
        self._spawn("scheduler", [PY, "-m", "flask", "--app", "transfers", "scheduler"], env)
        self._spawn(
            "web",
            [
                PY,
                "-m",
                "gunicorn",
                "-c",
                "deploy/gunicorn.conf.py",
                "--workers",
                str(self.args.workers),
                "--bind",
                f"127.0.0.1:{self.args.port}",
                "transfers:create_app()",
            ],
            env,
        )
        self.plan = plan
        self._wait_healthy()

    def _analyze(self) -> None:
        import psycopg

        with psycopg.connect(self.url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        log = (self.work / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            ["nice", "-n", str(SERVER_NICE), *cmd],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.pids[name] = self.procs[name].pid

    def _wait_healthy(self) -> None:
        """Up when /healthz says 200: database, migrations and the scheduler's first sweep."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                assert proc.poll() is None, f"{name} ended: see {self.work / name}.log"
            try:
                resp = requests.get(f"{self.base}/healthz", timeout=5)
                if resp.status_code == 200:
                    print(f"healthz: {resp.json()['checks']}")
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        raise SystemExit("the server did not become healthy")

    def cpu(self) -> dict[str, float]:
        return {name: _cpu(pid) for name, pid in self.pids.items()}

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        subprocess.run(["bash", ".ci/redis.sh", "stop", "", str(self.args.redis_port)], cwd=ROOT)
        if not self.args.database_url:
            subprocess.run(["bash", ".ci/postgres.sh", "stop", str(self.pg_dir)], cwd=ROOT)
        shutil.rmtree(self.pg_dir, ignore_errors=True)


CLASSES = ["Clerk", "Approver", "Supervisor", "Resident"]


def _locust(
    dep: Deployment,
    label: str,
    users: int,
    seconds: int,
    think: tuple[float, float],
    classes: list[str],
    steady: bool,
) -> Path:
    """One headless Locust run; the prefix of its CSV statistics. `steady`: the figures
    are of the users at work once all have started (Locust's --reset-stats), not of the
    start itself, when every user signs in within a few seconds."""
    prefix = dep.work / label.replace(" ", "_")
    rate = max(1, users // 5)
    # A steady run starts its clock once every user has started: it runs the ramp longer.
    ramp = -(-users // rate) if steady else 0
    env = {
        **os.environ,
        "LOAD_PLAN": str(dep.plan),
        "LOAD_CONFLICTS": f"{prefix}-conflicts.json",
        "LOAD_THINK_MIN": str(think[0]),
        "LOAD_THINK_MAX": str(think[1]),
    }
    cmd = [
        PY,
        "-m",
        "locust",
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(rate),
        "-t",
        f"{seconds + ramp}s",
        "--host",
        dep.base,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--stop-timeout",
        "10",
        *(["--reset-stats"] if steady else []),
        *classes,
    ]
    with (dep.work / "locust.log").open("ab") as log:
        subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    return prefix


def run_stage(
    dep: Deployment,
    label: str,
    users: int,
    seconds: int,
    think: tuple[float, float],
    one_by_one: bool = False,
    steady: bool = False,
) -> Stage:
    """A load of `users` users of every kind; `one_by_one`: a single user of each kind in
    turn (the single-user figures of every page), each for `seconds`."""
    stage = Stage(label=label, users=users, seconds=0)
    before, locust_before, machine_before = dep.cpu(), _locust_cpu(), _busy()
    runs = [[c] for c in CLASSES] if one_by_one else [[]]
    for classes in runs:
        prefix = _locust(
            dep, f"{label} {' '.join(classes)}", users, seconds, think, classes, steady
        )
        read_stage(stage, prefix)
        stage.seconds += seconds
        conflicts = Path(f"{prefix}-conflicts.json")
        if conflicts.exists():
            for k, v in json.loads(conflicts.read_text()).items():
                stage.conflicts[k] = stage.conflicts.get(k, 0) + v
    after = dep.cpu()
    stage.cpu = {k: after[k] - before.get(k, 0.0) for k in after}
    stage.cpu["locust"] = _locust_cpu() - locust_before
    stage.machine_busy = _busy() - machine_before
    print_stage(stage)
    return stage


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=int(os.environ.get("BENCH_PERSONS", 400_000)))
    ap.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    ap.add_argument("--loads", default="1,10,50,100")
    ap.add_argument("--seconds", type=int, default=int(os.environ.get("LOAD_SECONDS", 60)))
    ap.add_argument("--database-url", default="")
    ap.add_argument("--reuse", action="store_true", help="the database already holds the province")
    ap.add_argument("--port", type=int, default=18471)
    ap.add_argument("--pg-port", type=int, default=55472)
    ap.add_argument("--redis-port", type=int, default=56472)
    args = ap.parse_args()
    loads = [int(n) for n in args.loads.split(",")]
    args.max_users = max(loads)
    cores = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="transfers-load-"))
    dep = Deployment(args, work)
    try:
        dep.start()
        print(
            f"{args.workers} gunicorn workers, scheduler, PostgreSQL, Redis; "
            f"{cores} cores; logs in {work}"
        )
        stages = [
            run_stage(dep, f"{n} users", n, args.seconds, (2, 6), one_by_one=n == 1, steady=n > 1)
            for n in loads
        ]
        saturation = run_stage(dep, "saturation", max(loads) // 2, args.seconds, (0, 0))
        print_verdicts(judge(stages, saturation, cores), knee(stages))
        metrics = requests.get(f"{dep.base}/metrics", timeout=30).text.splitlines()
        print(
            "\n/metrics (excerpt): "
            + "; ".join(
                line
                for line in metrics
                if line.startswith(
                    (
                        "transfers_open_steps",
                        "transfers_overdue_steps",
                        "transfers_sweep_duration",
                        "transfers_sweep_runs",
                    )
                )
            )
        )
    finally:
        dep.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
