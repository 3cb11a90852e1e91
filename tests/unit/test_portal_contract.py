"""The portal contract has its own package: the reference portal and the client both build on it,
and neither reaches into the other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.portal_contract.wording import wait_text

BOT = Path(__file__).resolve().parents[2] / "bot"


def _imported_modules(package: str) -> dict[str, set[str]]:
    """Every module each file of ``bot/<package>/`` imports (absolute names)."""
    found: dict[str, set[str]] = {}
    for path in sorted((BOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names |= {f"{node.module}.{alias.name}" for alias in node.names}
        found[str(path.relative_to(BOT))] = names
    return found


def _under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_the_files_checked_exist() -> None:
    assert len(_imported_modules("portal_service")) > 5
    assert len(_imported_modules("portal_contract")) > 3


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("portal_service", ("bot.portal",)),
        ("portal_contract", ("bot.portal", "bot.portal_service")),
        ("portal", ("bot.portal_service",)),
    ],
)
def test_each_side_imports_only_the_contract(package: str, forbidden: tuple[str, ...]) -> None:
    offending = {
        file: sorted(name for name in names if any(_under(name, f) for f in forbidden))
        for file, names in _imported_modules(package).items()
    }
    assert {file: names for file, names in offending.items() if names} == {}


def test_wait_text_reads_naturally() -> None:
    assert wait_text(59) == "1 phút"
    assert wait_text(1500) == "25 phút"
    assert wait_text(86_400) == "24 giờ"
    assert wait_text(None) == "vài phút"
