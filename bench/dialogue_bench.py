"""Dialogue benchmark: message latency through the REST channel with concurrent conversations,
Rasa training time, and resident memory of every process.

Run with ``.venv/bin/python bench/dialogue_bench.py`` (``make bench``). It starts the whole stack
(reference portal, action server, Rasa server, gateway) on free loopback ports, like the e2e tests,
and sends scripted conversations of our own (not the evaluation sets) through the gateway.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import typer

from tests.e2e.processes import RASA_BIN, REPO
from tests.e2e.stack import Stack, start_stack

SCRIPT = [
    "xin chào",
    "đăng ký kết hôn cần giấy tờ gì",
    "thế lệ phí bao nhiêu",
    "nộp online được không",
    "dang ky khai tu can nhung gi",
    "mất mấy ngày",
    "tra cứu hồ sơ 000.00.20.H37-250612-0001",
    "cấp đổi thẻ căn cước ở đâu",
    "tỷ giá đô la mỹ hôm nay mua vào bao nhiêu",
    "cảm ơn",
]


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (MB)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        status = Path(f"/proc/{p}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


async def _conversation(
    client: httpx.AsyncClient, url: str, sender: str, rounds: int, think_s: float
) -> list[float]:
    latencies = []
    for _ in range(rounds):
        for message in SCRIPT:
            started = time.perf_counter()
            response = await client.post(url, json={"sender": sender, "message": message})
            latencies.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            await asyncio.sleep(think_s)
    return latencies


async def _load(stack: Stack, conversations: int, rounds: int, think_s: float) -> list[float]:
    url = f"{stack.gateway_url}/api/v1/chat"
    async with httpx.AsyncClient(timeout=60) as client:
        await _conversation(client, url, f"bench-warmup-{think_s}", 1, 0)
        results = await asyncio.gather(
            *(
                _conversation(client, url, f"bench-{think_s}-{i}", rounds, think_s)
                for i in range(conversations)
            )
        )
    return [latency for result in results for latency in result]


def _figures(latencies: list[float]) -> dict[str, float]:
    return {
        "messages": len(latencies),
        "latency_ms_p50": round(statistics.median(latencies), 1),
        "latency_ms_p95": round(_percentile(latencies, 0.95), 1),
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _training_time_s(work: Path) -> float:
    """Time a full Rasa training of the committed data into a scratch folder."""
    out = work / "models"
    started = time.perf_counter()
    subprocess.run(
        [str(RASA_BIN), "train", "--force", "--out", str(out), "--num-threads", "2"],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main(
    conversations: int = typer.Option(10, help="Concurrent conversations"),
    rounds: int = typer.Option(3, help="Times each conversation runs the script"),
    think_s: float = typer.Option(1.0, help="Pause between a reply and the next message"),
    train: bool = typer.Option(True, help="Also time a full Rasa training"),
) -> None:
    """Paced conversations (a user reads, then types) and saturated ones (no pause at all)."""
    work = Path(tempfile.mkdtemp(prefix="isee-bench-"))
    figures: dict[str, object] = {}
    try:
        stack = start_stack(work, dossiers=2000)
        try:
            figures["concurrent_conversations"] = conversations
            figures[f"paced_{think_s}s"] = _figures(
                asyncio.run(_load(stack, conversations, rounds, think_s))
            )
            figures["saturated"] = _figures(asyncio.run(_load(stack, conversations, rounds, 0)))
            figures["rss_mb"] = {p.name: round(_rss_mb(p.proc.pid), 1) for p in stack.processes}
        finally:
            stack.stop()
        if train:
            figures["rasa_training_s"] = round(_training_time_s(work), 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    typer.run(main)
