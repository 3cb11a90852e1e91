"""The pure parts of the load test (bench/load_*.py): percentiles, memory from /proc, scripts."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from bench.load_bench import citizen_address
from bench.load_plan import (
    ScriptBook,
    SeededDossier,
    Shape,
    StepKind,
    choose_button,
    load_config,
)
from bench.load_stats import (
    Latency,
    ProcessUse,
    cpu_seconds,
    growth_pct,
    parse_cpu_ticks,
    parse_vmrss_kib,
    percentile,
    process_tree,
    rss_mib,
    verdict,
)
from bot.channels.models import HANDOVER_BUTTON, Button
from bot.textfold import strip_marks

NAMES = ["Đăng ký kết hôn", "Đăng ký khai tử", "Cấp đổi thẻ căn cước", "X" * 500]
DOSSIERS = [
    SeededDossier(code="000.00.20.H37-250612-0001", phone="0912345678"),
    SeededDossier(code="000.00.21.H37-250613-0002", phone="0987654321"),
]


def book() -> ScriptBook:
    return ScriptBook(load_config(), NAMES, DOSSIERS)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 95) == 7.0
    assert percentile([1.0, 2.0, 3.0], 50) == 2.0


@pytest.mark.parametrize("q", [0, -5, 101])
def test_percentile_refuses_a_rank_outside_0_100(q: float) -> None:
    with pytest.raises(ValueError, match="percentile"):
        percentile([1.0], q)


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_vmrss_is_read_from_a_status_text() -> None:
    status = "Name:\tpython\nVmPeak:\t  999 kB\nVmRSS:\t  123456 kB\nRssAnon:\t 1000 kB\n"
    assert parse_vmrss_kib(status) == 123456
    assert parse_vmrss_kib("Name:\tkthreadd\nState:\tS (sleeping)\n") == 0


def test_memory_of_a_process_counts_its_children() -> None:
    child = subprocess.Popen(["sleep", "30"])
    try:
        assert child.pid in process_tree(os.getpid())
        alone = parse_vmrss_kib(Path(f"/proc/{os.getpid()}/status").read_text()) / 1024
        assert rss_mib(os.getpid()) > alone
    finally:
        child.kill()
        child.wait()
    assert process_tree(child.pid) == []


def test_cpu_ticks_are_read_after_the_command_name() -> None:
    stat = "4242 (rasa worker) (x)) S 1 4242 4242 0 -1 4194304 500 0 0 0 1500 250 7 3 20 0 9 0"
    assert parse_cpu_ticks(stat) == 1750


def test_cpu_time_of_a_busy_child_is_counted() -> None:
    before = cpu_seconds(os.getpid())
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        deadline = time.monotonic() + 30
        while cpu_seconds(os.getpid()) - before < 0.2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cpu_seconds(os.getpid()) - before >= 0.2
    finally:
        busy.kill()
        busy.wait()


def test_growth_is_relative_to_the_first_sample() -> None:
    assert growth_pct(200, 220) == pytest.approx(10)
    assert growth_pct(200, 180) == pytest.approx(-10)
    with pytest.raises(ValueError):
        growth_pct(0, 10)


def test_the_same_seed_gives_the_same_scripts() -> None:
    first, second = random.Random("7:3"), random.Random("7:3")
    scripts = [book().script(first) for _ in range(30)]
    assert scripts == [book().script(second) for _ in range(30)]
    other = random.Random("8:3")
    assert scripts != [book().script(other) for _ in range(30)]


def test_scripts_follow_the_configured_shapes_with_real_names_and_dossiers() -> None:
    config = load_config()
    shapes = {tuple(shape.steps) for shape in config.conversations}
    short = [n[0].lower() + n[1:] for n in NAMES if len(n) <= config.max_name_chars]
    rng = random.Random(1)
    folded_seen = False
    for _ in range(200):
        script = book().script(rng)
        assert tuple(step.kind for step in script) in shapes
        for i, step in enumerate(script):
            if step.kind is StepKind.CLICK:
                assert step.text is None
                continue
            assert step.text
            if step.kind is StepKind.QUESTION:
                assert "X" * 20 not in step.text.upper()
                accented = any(name in step.text for name in short)
                folded = any(strip_marks(name) in step.text for name in short)
                assert accented or folded, step.text
                folded_seen |= folded and not accented
            if step.kind is StepKind.OWNER_PROOF:
                lookup = script[i - 1].text or ""
                dossier = next(d for d in DOSSIERS if d.code in lookup)
                assert dossier.phone[-4:] in step.text
    assert folded_seen


def test_a_book_needs_names_and_dossiers() -> None:
    with pytest.raises(ValueError, match="procedure name"):
        ScriptBook(load_config(), ["X" * 500], DOSSIERS)
    with pytest.raises(ValueError, match="dossier"):
        ScriptBook(load_config(), NAMES, [])


def test_an_owner_proof_without_a_lookup_before_it_is_refused() -> None:
    with pytest.raises(ValidationError, match="owner_proof"):
        Shape(weight=1, steps=[StepKind.GREETING, StepKind.OWNER_PROOF])


def test_clicks_prefer_choices_and_never_the_hand_over() -> None:
    preference = load_config().click_preference
    choice = Button(title="Đăng ký khai tử", payload='/ask_question{"entry_id": "1.000656"}')
    good = Button(title="Hữu ích", payload="/feedback_good")
    rng = random.Random(0)
    assert choose_button([HANDOVER_BUTTON, good, choice], preference, rng) == choice
    assert choose_button([HANDOVER_BUTTON, good], preference, rng) == good
    assert choose_button([HANDOVER_BUTTON], preference, rng) is None
    assert choose_button([], preference, rng) is None


def test_citizens_get_distinct_addresses() -> None:
    addresses = {citizen_address(i) for i in range(1000)}
    assert len(addresses) == 1000
    assert citizen_address(0) == "10.0.0.1"


def test_verdict_fails_each_missed_target() -> None:
    targets = load_config().targets
    fast = Latency(p50=100, p95=400, p99=900, max=1200)
    steady = {"gateway": ProcessUse(after_warmup_mib=100, end_mib=105, growth_pct=5, cpu_pct=9)}
    checks = verdict(targets, targets.users, targets.seconds, 0, fast, steady)
    assert all(c.passed for c in checks)

    slow = Latency(p50=100, p95=targets.p95_ms + 1, p99=2000, max=3000)
    leaking = {"rasa": ProcessUse(after_warmup_mib=100, end_mib=130, growth_pct=30, cpu_pct=90)}
    failed = verdict(targets, 10, 30, 2, slow, leaking)
    assert {c.name for c in failed if not c.passed} == {
        "load",
        "errors",
        "p95 latency",
        "memory growth rasa",
    }
    assert not verdict(targets, targets.users, targets.seconds, 0, None, steady)[2].passed


def test_a_conversation_does_not_repeat_a_follow_up() -> None:
    rng = random.Random(3)
    for _ in range(200):
        asked = [s.text for s in book().script(rng) if s.kind is StepKind.FOLLOW_UP]
        assert len(asked) == len(set(asked))
