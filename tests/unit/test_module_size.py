"""Modules stay small enough to read in one sitting: none in ``bot/`` over 400 lines."""

from __future__ import annotations

from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
MAX_LINES = 400


def test_no_module_in_bot_exceeds_the_limit() -> None:
    modules = sorted(BOT.rglob("*.py"))
    assert len(modules) > 100
    sizes = {
        str(path.relative_to(BOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in modules
    }
    assert {name: lines for name, lines in sizes.items() if lines > MAX_LINES} == {}
