"""Actions stay thin adapters: about a screen each, reaching search and portal only through
``bot.answers``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ACTIONS = sorted((Path(__file__).resolve().parents[2] / "actions").glob("*.py"))
MAX_LINES = 120


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("path", ACTIONS, ids=lambda p: p.name)
def test_an_action_module_is_short_and_uses_only_the_answer_service(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES
    ours = {name for name in _imports(path) if name.split(".")[0] == "bot"}
    allowed = ("bot.answers", "bot.runtime", "bot.channels")
    assert all(name.startswith(allowed) for name in ours), ours
