"""Figures of a load-test run: per-page percentiles from Locust's CSV statistics, CPU
seconds per process, and the targets of the issue judged MET or NOT MET."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

SERVER_ERROR = re.compile(r"\b5\d\d\b")


@dataclass
class Stage:
    label: str
    users: int
    seconds: float
    pages: dict[str, dict[str, float]] = field(default_factory=dict)  # name -> figures
    total: dict[str, float] = field(default_factory=dict)
    server_errors: int = 0
    failures: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # process group -> CPU seconds
    conflicts: dict[str, int] = field(default_factory=dict)
    machine_busy: float = 0.0  # CPU seconds of the whole machine, other work included

    @property
    def throughput(self) -> float:
        return self.total.get("requests", 0) / self.seconds if self.seconds else 0.0

    @property
    def server_cpu_per_request(self) -> float:
        """CPU seconds of the web workers, PostgreSQL and Redis for one request."""
        server = sum(v for k, v in self.cpu.items() if k in ("web", "postgresql", "redis"))
        return server / self.total["requests"] if self.total.get("requests") else 0.0


def read_stage(stage: Stage, prefix: Path) -> None:
    """Add one Locust run's statistics to `stage` (a page seen in two runs keeps the run
    with more requests; the total adds requests up and keeps the worst percentiles)."""
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            figures = {
                "requests": float(row["Request Count"]),
                "failures": float(row["Failure Count"]),
                "p50": float(row["50%"] or 0),
                "p95": float(row["95%"] or 0),
                "p99": float(row["99%"] or 0),
            }
            if row["Name"] == "Aggregated":
                _add(stage.total, figures)
            elif figures["requests"] > stage.pages.get(row["Name"], {}).get("requests", -1):
                stage.pages[row["Name"]] = figures
    with open(f"{prefix}_failures.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            n = int(row["Occurrences"])
            stage.failures.append(f"{row['Name']}: {row['Error']} ×{n}")
            if SERVER_ERROR.search(row["Error"]):
                stage.server_errors += n


def _add(total: dict[str, float], figures: dict[str, float]) -> None:
    for key, value in figures.items():
        if key in ("requests", "failures"):
            total[key] = total.get(key, 0) + value
        else:
            total[key] = max(total.get(key, 0), value)


def print_stage(stage: Stage) -> None:
    print(f"\n--- {stage.label}: {stage.users} users, {stage.seconds:.0f} s ---")
    print(f"{'page':<30}{'requests':>9}{'fail':>6}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}")
    for name, f in sorted(stage.pages.items()):
        print(
            f"{name:<30}{f['requests']:>9.0f}{f['failures']:>6.0f}"
            f"{f['p50']:>8.0f}{f['p95']:>8.0f}{f['p99']:>8.0f}"
        )
    t = stage.total
    print(
        f"{'all':<30}{t['requests']:>9.0f}{t['failures']:>6.0f}"
        f"{t['p50']:>8.0f}{t['p95']:>8.0f}{t['p99']:>8.0f}"
    )
    cpu = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(stage.cpu.items()))
    print(f"throughput {stage.throughput:.1f} req/s; 5xx {stage.server_errors}; CPU: {cpu}")
    ours = sum(stage.cpu.values())
    print(
        f"machine busy {stage.machine_busy:.1f} CPU s, of which this test {ours:.1f} s "
        f"(others {max(0.0, stage.machine_busy - ours):.1f} s)"
    )
    print(
        f"server CPU per request {stage.server_cpu_per_request * 1000:.1f} ms; "
        f"conflicts (409) {stage.conflicts}"
    )
    for failure in stage.failures[:10]:
        print(f"  FAILED {failure}")


def knee(stages: list[Stage]) -> str:
    """The last load at which the system still scales: each user still gets at least
    80 % of the single user's throughput and the p95 of all pages at most doubles."""
    base = stages[0]
    per_user = base.throughput / base.users
    last = base.users
    for s in stages[1:]:
        if s.throughput < 0.8 * per_user * s.users or s.total["p95"] > 2 * base.total["p95"]:
            return f"between {last} and {s.users} users"
        last = s.users
    return f"beyond {last} users (not reached)"


def judge(stages: list[Stage], saturation: Stage, cores: int) -> list[tuple[str, bool, str]]:
    single = stages[0]
    verdicts = []
    for s in [*stages, saturation]:
        bad = s.total["failures"] + s.server_errors
        verdicts.append(
            (
                f"no failed request and no 5xx at {s.label}",
                bad == 0,
                f"{s.total['failures']:.0f} failed, {s.server_errors} 5xx",
            )
        )
        unexplained = s.conflicts.get("unexplained", 0)
        verdicts.append(
            (
                f"409 only between rivals at {s.label}",
                unexplained == 0,
                f"{s.conflicts.get('explained', 0)} explained, {unexplained} not",
            )
        )
    at50 = next((s for s in stages if s.users == 50), None)
    if at50 is not None:
        for name, f in sorted(at50.pages.items()):
            base = single.pages.get(name)
            if base is None or not base["p95"]:
                continue
            verdicts.append(
                (
                    f"p95 at 50 users ≤ 4× single user: {name}",
                    f["p95"] <= 4 * base["p95"],
                    f"{f['p95']:.0f} ms vs {base['p95']:.0f} ms",
                )
            )
    # Saturation throughput: the highest any run reached (on a machine shared with other
    # work, the no-think run is not always it), with the CPU a request cost in that run.
    saturation = max([*stages, saturation], key=lambda s: s.throughput)
    cost = saturation.server_cpu_per_request
    bound = cores / cost if cost else 0.0
    verdicts.append(
        (
            f"saturation throughput ≥ 70 % of the CPU bound (best run: {saturation.label})",
            saturation.throughput >= 0.7 * bound,
            f"{saturation.throughput:.1f} req/s vs bound {bound:.1f} req/s "
            f"({cores} cores ÷ {cost * 1000:.1f} ms CPU a request; this test had "
            f"{_share(saturation):.0%} of the machine's busy CPU, other work the rest)",
        )
    )
    return verdicts


def _share(stage: Stage) -> float:
    ours = sum(stage.cpu.values())
    return ours / stage.machine_busy if stage.machine_busy else 1.0


def print_verdicts(verdicts: list[tuple[str, bool, str]], knee_at: str) -> None:
    print("\n--- targets ---")
    for name, met, detail in verdicts:
        print(f"{'MET' if met else 'NOT MET':<8} {name}: {detail}")
    print(f"knee: {knee_at}")
