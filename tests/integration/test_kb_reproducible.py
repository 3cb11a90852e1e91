"""The committed knowledge base is exactly what the importer makes of the shared source files."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.settings import REPO_ROOT

SHARED = Path(os.environ.get("ISEE_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
PROVINCE = SHARED / "langson_procedures_1842.csv"
NATIONAL = SHARED / "national_procedures.jsonl.gz"
DATA_DATE = "2026-05-19"


def differences(left: Path, right: Path) -> list[str]:
    comparison = filecmp.dircmp(left, right)
    found = [f"{left.name}/{name}" for name in comparison.diff_files + comparison.left_only]
    found += [f"{right.name}/{name} (new)" for name in comparison.right_only]
    for sub in comparison.common_dirs:
        found += differences(left / sub, right / sub)
    return found


@pytest.mark.skipif(not PROVINCE.exists(), reason=f"source data not found in {SHARED}")
def test_import_reproduces_the_committed_knowledge_base(tmp_path: Path) -> None:
    committed, kb = tmp_path / "committed", tmp_path / "knowledge_base"
    shutil.copytree(REPO_ROOT / "knowledge_base", committed)
    shutil.copytree(committed, kb)
    for _ in range(2):
        subprocess.run(
            [
                str(REPO_ROOT / ".venv" / "bin" / "isee"),
                "kb",
                "import",
                "--province-csv",
                str(PROVINCE),
                "--national-jsonl",
                str(NATIONAL),
                "--data-date",
                DATA_DATE,
                "--kb-dir",
                str(kb),
            ],
            check=True,
            capture_output=True,
        )
        assert differences(committed, kb) == []
