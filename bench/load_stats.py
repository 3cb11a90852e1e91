"""Figures of the load test: latency percentiles, resident memory from ``/proc``, and the
verdict against the targets."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel

from bench.load_plan import Targets

PROC = Path("/proc")


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0 < q <= 100) by the nearest-rank method: the smallest value
    with at least ``q`` % of the values at or below it."""
    if not values:
        raise ValueError("no values")
    if not 0 < q <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {q}")
    ordered = sorted(values)
    return ordered[math.ceil(q / 100 * len(ordered)) - 1]


def parse_vmrss_kib(status: str) -> int:
    """The ``VmRSS`` line of a ``/proc/<pid>/status`` text, in KiB (0 for a kernel thread or a
    zombie, which have none)."""
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            value, unit = line.split()[1:3]
            if unit != "kB":
                raise ValueError(f"unexpected VmRSS unit {unit!r}")
            return int(value)
    return 0


def process_tree(pid: int, proc: Path = PROC) -> list[int]:
    """``pid`` and all its descendants that still exist."""
    found: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        task_dir = proc / str(current) / "task"
        if not task_dir.exists():
            continue
        found.append(current)
        for task in task_dir.iterdir():
            try:
                pending += [int(c) for c in (task / "children").read_text().split()]
            except FileNotFoundError:  # the thread ended meanwhile
                continue
    return found


def parse_cpu_ticks(stat: str) -> int:
    """User plus system CPU time of a ``/proc/<pid>/stat`` text, in clock ticks (the command
    name in parentheses may hold spaces, so fields are counted after its closing parenthesis)."""
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])  # utime and stime: fields 14 and 15 of stat


def _tree_sum(pid: int, proc: Path, name: str, parse: Callable[[str], int]) -> int:
    total = 0
    for member in process_tree(pid, proc):
        try:
            total += parse((proc / str(member) / name).read_text())
        except FileNotFoundError:  # exited between listing and reading
            continue
    return total


def cpu_seconds(pid: int, proc: Path = PROC) -> float:
    """CPU time used so far by ``pid`` and its living descendants (seconds)."""
    return _tree_sum(pid, proc, "stat", parse_cpu_ticks) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int, proc: Path = PROC) -> float:
    """Resident memory of ``pid`` and its descendants (MiB)."""
    return _tree_sum(pid, proc, "status", parse_vmrss_kib) / 1024


def growth_pct(before: float, after: float) -> float:
    if before <= 0:
        raise ValueError("no memory measured before")
    return (after - before) / before * 100


class Latency(BaseModel):
    p50: float
    p95: float
    p99: float
    max: float


class ProcessUse(BaseModel):
    """One process (with its children) over the measured window."""

    after_warmup_mib: float
    end_mib: float
    growth_pct: float
    cpu_pct: float  # CPU time over wall time, in % of one core


class Check(BaseModel):
    name: str
    target: str
    measured: str
    passed: bool


def latency_figures(latencies_ms: Sequence[float]) -> Latency:
    return Latency(
        p50=round(percentile(latencies_ms, 50), 1),
        p95=round(percentile(latencies_ms, 95), 1),
        p99=round(percentile(latencies_ms, 99), 1),
        max=round(max(latencies_ms), 1),
    )


def verdict(
    targets: Targets,
    users: int,
    seconds: float,
    errors: int,
    latency: Latency | None,
    memory: dict[str, ProcessUse],
) -> list[Check]:
    """Each target of the issue, PASS or FAIL for what was measured."""
    checks = [
        Check(
            name="load",
            target=f"{targets.users} concurrent conversations for {targets.seconds:g} s",
            measured=f"{users} for {seconds:g} s",
            passed=users >= targets.users and seconds >= targets.seconds,
        ),
        Check(
            name="errors",
            target=f"<= {targets.errors}",
            measured=str(errors),
            passed=errors <= targets.errors,
        ),
        Check(
            name="p95 latency",
            target=f"<= {targets.p95_ms:g} ms",
            measured="no message" if latency is None else f"{latency.p95:g} ms",
            passed=latency is not None and latency.p95 <= targets.p95_ms,
        ),
    ]
    for name, figures in memory.items():
        checks.append(
            Check(
                name=f"memory growth {name}",
                target=f"<= {targets.memory_growth_pct:g} %",
                measured=f"{figures.growth_pct:+.1f} %",
                passed=figures.growth_pct <= targets.memory_growth_pct,
            )
        )
    return checks
