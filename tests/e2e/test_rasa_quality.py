"""Rasa's own evaluations of the trained model: the test stories (NLU + dialogue) and intent
macro-F1 on the held-out NLU split."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.processes import MODEL, RASA_BIN, REPO

pytestmark = pytest.mark.e2e
MIN_MACRO_F1 = 0.90
WATCHED = ("ask_question", "ask_topic", "out_of_scope")


def rasa(*args: str) -> None:
    result = subprocess.run(
        [str(RASA_BIN), *args],
        cwd=REPO,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_every_test_story_passes(tmp_path: Path) -> None:
    rasa(
        "test",
        "core",
        "--stories",
        "tests/test_stories.yml",
        "--model",
        str(MODEL),
        "--out",
        str(tmp_path),
        "--fail-on-prediction-errors",
    )
    failed = (tmp_path / "failed_test_stories.yml").read_text(encoding="utf-8")
    assert "None of the test stories failed" in failed, failed


def test_intent_macro_f1_on_the_held_out_split(tmp_path: Path) -> None:
    rasa(
        "test",
        "nlu",
        "--nlu",
        "tests/nlu/test_nlu.yml",
        "--model",
        str(MODEL),
        "--out",
        str(tmp_path),
    )
    report = json.loads((tmp_path / "intent_report.json").read_text(encoding="utf-8"))
    confusion = {name: report[name].get("confused_with", {}) for name in WATCHED}
    print(f"intent macro-F1 {report['macro avg']['f1-score']:.3f}; confusion {confusion}")
    assert report["macro avg"]["f1-score"] >= MIN_MACRO_F1
