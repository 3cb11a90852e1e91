"""Load test: N simulated citizens holding multi-turn conversations through the gateway.

Run with ``make bench-load`` (``LOAD_USERS=50 LOAD_SECONDS=120`` by default, the targets of
issue 19 in ``bench/load.yml``). It starts the whole assistant (reference portal with a freshly
seeded temporary database, action server, Rasa server, gateway) on free loopback ports, waits
until the gateway's ``/ready`` answers (ready, or degraded), runs a warm-up, then measures a
fixed window: each citizen draws a conversation script (``bench/load_plan.py``), pauses a random
think time between messages, and starts a new conversation (a new sender id) when one ends. It
prints throughput, latency percentiles, errors by kind, the resident memory of every process
after the warm-up and at the end, and PASS/FAIL against each target; a JSON summary goes to
``.build/bench/``. Every process it started is stopped at the end, also on Ctrl-C or an error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Annotated

import httpx
import typer
from pydantic import BaseModel
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import create_engine, select

from bench.load_plan import (
    LoadConfig,
    ScriptBook,
    SeededDossier,
    StepKind,
    choose_button,
    load_config,
)
from bench.load_stats import (
    Check,
    Latency,
    ProcessUse,
    cpu_seconds,
    growth_pct,
    latency_figures,
    rss_mib,
    verdict,
)
from bot.channels.models import Button
from bot.channels.widget import WidgetResponse
from bot.knowledge.loader import load_knowledge_base
from bot.portal_service.tables import Dossier
from bot.settings import Settings, get_settings
from tests.e2e.processes import http_ok
from tests.e2e.stack import Stack, start_stack

console = Console()

# The gateway logs these when a citizen got a fallback instead of an answer; the reply is still
# HTTP 200, so the log is where the load test finds them.
DEGRADED_EVENTS = ("reply_over_budget", "empty_reply")
SEEDED_DOSSIERS = 2000  # as `make portal-db`


@dataclass
class Sample:
    started: float  # time.monotonic() when the request was sent
    latency_ms: float
    outcome: str  # HTTP status, or the transport error's kind
    step: StepKind


class Exchange(BaseModel):
    """One message and what came back, for the optional transcript."""

    sender: str
    step: StepKind
    message: str
    outcome: str
    replies: list[str]


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    in_flight: int = 0
    conversations: int = 0
    unfinished: int = 0  # citizens still waiting on a reply when the run's bound ran out
    transcript: list[Exchange] | None = None


class Summary(BaseModel):
    started_at: str
    users: int
    seconds: float
    warmup_seconds: float
    seed: int
    messages: int
    messages_by_step: dict[str, int]
    conversations_started: int
    throughput_msg_s: float
    latency_ms: Latency | None
    latency_ms_by_step: dict[str, Latency]
    outcomes: dict[str, int]
    degraded_replies: dict[str, int]
    errors: int
    memory: dict[str, ProcessUse]
    machine_load: tuple[float, float, float]  # load average (1, 5, 15 min) at the end
    checks: list[Check]
    passed: bool


def citizen_address(index: int) -> str:
    """A private address per citizen, sent as ``X-Forwarded-For`` (the gateway trusts its
    loopback proxy), so the portal's per-client limits see one client per citizen."""
    number = index + 1
    return f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"


async def _citizen(
    index: int,
    client: httpx.AsyncClient,
    url: str,
    book: ScriptBook,
    config: LoadConfig,
    seed: int,
    deadline: float,
    run: Run,
) -> None:
    rng = random.Random(f"{seed}:{index}")
    headers = {"X-Forwarded-For": citizen_address(index)}
    low, high = config.think_seconds
    await asyncio.sleep(rng.uniform(0, high))  # citizens do not all arrive at once
    number = 0
    while time.monotonic() < deadline:
        sender = f"load-{index}-{number}"
        run.conversations += 1
        buttons: list[Button] = []
        for step in book.script(rng):
            if time.monotonic() >= deadline:
                return
            text = step.text
            if step.kind is StepKind.CLICK:
                button = choose_button(buttons, config.click_preference, rng)
                if button is None:
                    continue
                text = button.payload
            buttons = await _send(client, url, headers, sender, step.kind, text or "", run)
            await asyncio.sleep(rng.uniform(low, high))
        number += 1


async def _send(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    sender: str,
    step: StepKind,
    text: str,
    run: Run,
) -> list[Button]:
    """Send one message; record its latency and outcome; return the buttons offered."""
    started = time.monotonic()
    run.in_flight += 1
    try:
        response = await client.post(url, json={"sender": sender, "message": text}, headers=headers)
    except httpx.TimeoutException:
        outcome, replies = "timeout", []
    except httpx.TransportError as exc:
        outcome, replies = type(exc).__name__, []
    else:
        outcome = str(response.status_code)
        replies = []
        if response.status_code == 200:
            replies = WidgetResponse.model_validate_json(response.content).replies
    finally:
        run.in_flight -= 1
    run.samples.append(Sample(started, (time.monotonic() - started) * 1000, outcome, step))
    if run.transcript is not None:
        texts = [r.text for r in replies]
        run.transcript.append(
            Exchange(sender=sender, step=step, message=text, outcome=outcome, replies=texts)
        )
    return [b for reply in replies for b in reply.buttons]


async def _progress(run: Run, start: float, measure_from: float, deadline: float) -> None:
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("", total=deadline - start)
        while True:
            now = time.monotonic()
            errors = sum(1 for s in run.samples if s.outcome != "200")
            phase = "warm-up" if now < measure_from else "measuring"
            progress.update(
                task,
                completed=min(now, deadline) - start,
                description=f"{phase}: {len(run.samples)} messages, {errors} errors, "
                f"{run.in_flight} in flight",
            )
            if now >= deadline and run.in_flight == 0:
                return
            await asyncio.sleep(0.5)


def _seeded_dossiers(stack: Stack, limit: int) -> list[SeededDossier]:
    engine = create_engine(stack.env["ISEE_PORTAL_DB_URL"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Dossier.code, Dossier.applicant_phone).order_by(Dossier.code).limit(limit)
            ).all()
    finally:
        engine.dispose()
    return [SeededDossier(code=code, phone=phone) for code, phone in rows]


def _degraded(stack: Stack) -> dict[str, int]:
    log = stack.process("gateway").tail(chars=1 << 30)
    return {event: sum(event in line for line in log.splitlines()) for event in DEGRADED_EVENTS}


@dataclass(frozen=True)
class Snapshot:
    """Resident memory (MiB) and CPU time (s) of every process at one moment."""

    at: float
    rss_mib: dict[str, float]
    cpu_s: dict[str, float]


def _snapshot(stack: Stack) -> Snapshot:
    return Snapshot(
        at=time.monotonic(),
        rss_mib={p.name: rss_mib(p.proc.pid) for p in stack.processes},
        cpu_s={p.name: cpu_seconds(p.proc.pid) for p in stack.processes},
    )


def _process_use(before: Snapshot, after: Snapshot) -> dict[str, ProcessUse]:
    wall = after.at - before.at
    return {
        name: ProcessUse(
            after_warmup_mib=round(before.rss_mib[name], 1),
            end_mib=round(after.rss_mib[name], 1),
            growth_pct=round(growth_pct(before.rss_mib[name], after.rss_mib[name]), 1),
            cpu_pct=round((after.cpu_s[name] - before.cpu_s[name]) / wall * 100, 1),
        )
        for name in before.rss_mib
    }


async def _load(
    stack: Stack,
    book: ScriptBook,
    config: LoadConfig,
    users: int,
    seconds: float,
    warmup: float,
    seed: int,
    transcript: bool,
) -> tuple[Run, Snapshot, float]:
    """Run the citizens; return what they saw, the memory after the warm-up and when the
    measured window began."""
    run = Run(transcript=[] if transcript else None)
    start = time.monotonic()
    measure_from = start + warmup
    deadline = measure_from + seconds
    url = f"{stack.gateway_url}/api/v1/chat"
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(timeout=config.request_timeout_s, limits=limits) as client:
        citizens = [
            asyncio.create_task(_citizen(i, client, url, book, config, seed, deadline, run))
            for i in range(users)
        ]
        progress = asyncio.create_task(_progress(run, start, measure_from, deadline))
        await asyncio.sleep(warmup)
        after_warmup = _snapshot(stack)
        # A request sent just before the deadline may still take request_timeout_s, then the
        # citizen thinks once more: past that bound whatever is left is cancelled and counted.
        bound = seconds + config.request_timeout_s + config.think_seconds[1] + 5
        _, pending = await asyncio.wait([*citizens, progress], timeout=bound)
        run.unfinished = run.in_flight
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    return run, after_warmup, measure_from


def _report(summary: Summary, path: Path) -> None:
    table = Table(title="Load test", show_header=False)
    table.add_row(
        "citizens / window",
        f"{summary.users} for {summary.seconds:g} s (after {summary.warmup_seconds:g} s warm-up)",
    )
    table.add_row("messages (window)", str(summary.messages))
    table.add_row("conversations started", str(summary.conversations_started))
    by_step = ", ".join(f"{k}: {v}" for k, v in sorted(summary.messages_by_step.items()))
    table.add_row("messages by step (whole run)", by_step)
    table.add_row("throughput", f"{summary.throughput_msg_s:.2f} messages/s")
    if summary.latency_ms:
        lat = summary.latency_ms
        table.add_row(
            "latency",
            f"p50 {lat.p50:g} ms, p95 {lat.p95:g} ms, p99 {lat.p99:g} ms, max {lat.max:g} ms",
        )
    table.add_row(
        "responses (whole run)", ", ".join(f"{k}: {v}" for k, v in sorted(summary.outcomes.items()))
    )
    table.add_row(
        "degraded replies", ", ".join(f"{k}: {v}" for k, v in summary.degraded_replies.items())
    )
    table.add_row("errors", str(summary.errors))
    console.print(table)

    steps = Table(title="Latency by step (window, ms)")
    for column in ("step", "p50", "p95", "p99", "max"):
        steps.add_column(column, justify="right" if column != "step" else "left")
    for step, lat in sorted(summary.latency_ms_by_step.items()):
        steps.add_row(step, f"{lat.p50:g}", f"{lat.p95:g}", f"{lat.p99:g}", f"{lat.max:g}")
    console.print(steps)

    memory = Table(title="Processes (with children), from the end of the warm-up to the end")
    for column in ("process", "RSS after warm-up MiB", "RSS end MiB", "growth", "CPU"):
        memory.add_column(column, justify="right" if column != "process" else "left")
    for name, figures in summary.memory.items():
        memory.add_row(
            name,
            f"{figures.after_warmup_mib:.1f}",
            f"{figures.end_mib:.1f}",
            f"{figures.growth_pct:+.1f} %",
            f"{figures.cpu_pct:.0f} % of a core",
        )
    console.print(memory)
    load = ", ".join(f"{v:.2f}" for v in summary.machine_load)
    console.print(
        f"Machine load average at the end (1, 5, 15 min): {load} on {os.cpu_count()} CPUs"
    )

    checks = Table(title="Targets (issue 19)")
    for column in ("target", "wanted", "measured", "result"):
        checks.add_column(column)
    for check in summary.checks:
        result = "[green]PASS[/]" if check.passed else "[red]FAIL[/]"
        checks.add_row(check.name, check.target, check.measured, result)
    console.print(checks)
    console.print(f"Summary: {path}")


def _raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(
    users: Annotated[
        int | None,
        typer.Option(envvar="LOAD_USERS", min=1, max=1000, help="Citizens (default: target)"),
    ] = None,
    seconds: Annotated[
        float | None,
        typer.Option(envvar="LOAD_SECONDS", min=1, max=3600, help="Window (default: target)"),
    ] = None,
    warmup: Annotated[
        float | None,
        typer.Option(envvar="LOAD_WARMUP_SECONDS", min=0, max=600, help="Warm-up before it"),
    ] = None,
    seed: Annotated[
        int, typer.Option(envvar="LOAD_SEED", help="Seed of the scripts and think times")
    ] = 1,
    out: Annotated[
        Path | None,
        typer.Option(envvar="LOAD_OUT", help="Folder of the JSON summary (default: .build/bench)"),
    ] = None,
    transcript: Annotated[
        bool,
        typer.Option(envvar="LOAD_TRANSCRIPT", help="Also write every message and reply (JSONL)"),
    ] = False,
) -> None:
    """Simulated citizens chatting through the gateway; figures and PASS/FAIL per target."""
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    config = load_config()
    settings = get_settings()
    users = users or config.targets.users
    seconds = seconds or config.targets.seconds
    warmup = config.warmup_seconds if warmup is None else warmup
    out_dir = out or settings.build_dir / "bench"
    names = [
        p.name for p in load_knowledge_base(settings.kb_dir, settings.build_dir).procedures.values()
    ]
    started_at = dt.datetime.now(dt.UTC)
    work = Path(tempfile.mkdtemp(prefix="isee-load-"))
    try:
        console.print(f"Starting the assistant on loopback (logs in {work}) …")
        # The production reply budget, not the generous one the e2e tests use.
        budget = Settings.model_fields["action_budget_s"].default
        stack = start_stack(
            work, dossiers=SEEDED_DOSSIERS, extra_env={"ISEE_ACTION_BUDGET_S": str(budget)}
        )
        try:
            stack.process("gateway").wait_until(http_ok(f"{stack.gateway_url}/ready"), 120)
            book = ScriptBook(config, names, _seeded_dossiers(stack, config.dossier_pool))
            run, after_warmup, measure_from = asyncio.run(
                _load(stack, book, config, users, seconds, warmup, seed, transcript)
            )
            at_end = _snapshot(stack)
            degraded = _degraded(stack)
            machine_load = os.getloadavg()
        finally:
            stack.stop()
    except KeyboardInterrupt:
        console.print("Interrupted: every process started was stopped.")
        sys.exit(130)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    window = [s for s in run.samples if s.started >= measure_from]
    outcomes = Counter(s.outcome for s in run.samples)
    if run.unfinished:
        outcomes["unfinished"] = run.unfinished
    errors = sum(n for outcome, n in outcomes.items() if outcome != "200") + sum(degraded.values())
    latency = latency_figures([s.latency_ms for s in window]) if window else None
    memory = _process_use(after_warmup, at_end)
    checks = verdict(config.targets, users, seconds, errors, latency, memory)
    summary = Summary(
        started_at=started_at.isoformat(timespec="seconds"),
        users=users,
        seconds=seconds,
        warmup_seconds=warmup,
        seed=seed,
        messages=len(window),
        messages_by_step=dict(Counter(s.step.value for s in run.samples)),
        conversations_started=run.conversations,
        throughput_msg_s=round(len(window) / seconds, 2),
        latency_ms=latency,
        latency_ms_by_step={
            step.value: latency_figures([s.latency_ms for s in window if s.step is step])
            for step in StepKind
            if any(s.step is step for s in window)
        },
        outcomes=dict(outcomes),
        degraded_replies=degraded,
        errors=errors,
        memory=memory,
        machine_load=machine_load,
        checks=checks,
        passed=all(c.passed for c in checks),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"load-{started_at:%Y%m%dT%H%M%S}.json"
    path.write_text(summary.model_dump_json(indent=2), encoding="utf-8")
    if run.transcript is not None:
        lines = [exchange.model_dump_json() + "\n" for exchange in run.transcript]
        path.with_suffix(".transcript.jsonl").write_text("".join(lines), encoding="utf-8")
    _report(summary, path)


if __name__ == "__main__":
    typer.run(main)
