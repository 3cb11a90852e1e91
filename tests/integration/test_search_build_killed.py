"""A build killed midway (SIGKILL, no clean-up) leaves the previous index serving."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from bot.search.build import read_manifest
from bot.search.service import open_searcher
from bot.settings import REPO_ROOT, Settings, get_settings


def test_killed_build_leaves_the_previous_index_answering(tmp_path: Path) -> None:
    live = get_settings().build_dir / "search"
    if not (live / "current").exists():
        pytest.fail("no search index: run `make test` (it builds the index first)")
    shutil.copytree(live, tmp_path / "search", symlinks=True, ignore=shutil.ignore_patterns("tmp*"))
    before = read_manifest((tmp_path / "search" / "current").resolve())
    build = subprocess.Popen(
        [str(REPO_ROOT / ".venv" / "bin" / "isee"), "kb", "build", "--force"],
        env={**os.environ, "ISEE_BUILD_DIR": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(12)
    assert build.poll() is None, "the build finished before it could be killed"
    build.send_signal(signal.SIGKILL)
    build.wait()

    index = (tmp_path / "search" / "current").resolve()
    assert read_manifest(index) == before
    searcher = open_searcher(Settings(build_dir=tmp_path), build=False)
    result = searcher.search("thủ tục đăng ký kết hôn cần giấy tờ gì")
    # The old index still serves: the procedure comes first (answered, or offered first among
    # the choices when the confidence model is unsure).
    assert result.decision != "none"
    assert result.hits[0].procedure == "1.000894"
