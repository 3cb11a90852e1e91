"""``isee kb check``: every broken fixture is reported at the right place; good data passes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.knowledge.check import (
    KbFileError,
    Problem,
    check_knowledge_base,
    load_faqs,
    read_model,
)
from bot.knowledge.faq import FaqFile
from bot.settings import REPO_ROOT

BROKEN = Path(__file__).resolve().parent.parent / "fixtures" / "broken"
BASE = BROKEN / "base"
FIXTURES = sorted(BROKEN.glob("*.yml"))
EXPECT = re.compile(r"^# expect: (\d+):(\d+) (error|warning) (.+)$")


def _target(fixture: Path) -> str:
    line = fixture.read_text(encoding="utf-8").splitlines()[0]
    assert line.startswith("# target: "), f"{fixture.name} must start with '# target: PATH'"
    return line.removeprefix("# target: ").strip()


def _expectations(fixture: Path) -> list[tuple[int, int, str, str]]:
    found = [EXPECT.match(line) for line in fixture.read_text(encoding="utf-8").splitlines()]
    return [(int(m[1]), int(m[2]), m[3], m[4]) for m in found if m]


def _kb_with(tmp_path: Path, fixture: Path) -> tuple[Path, Path]:
    kb_dir = tmp_path / "kb"
    shutil.copytree(BASE, kb_dir)
    target = kb_dir / _target(fixture)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(fixture, target)
    return kb_dir, target


def _matches(problem: Problem, target: Path, expected: tuple[int, int, str, str]) -> bool:
    line, column, severity, text = expected
    return (
        Path(problem.file) == target
        and (problem.line, problem.column, problem.severity) == (line, column, severity)
        and text in problem.message
    )


def test_base_fixture_is_clean() -> None:
    report = check_knowledge_base(BASE)
    assert report.problems == []
    assert (report.procedures, report.faqs) == (3, 2)


@pytest.mark.parametrize("fixture", FIXTURES, ids=[path.stem for path in FIXTURES])
def test_broken_fixture_is_reported_at_its_location(tmp_path: Path, fixture: Path) -> None:
    expectations = _expectations(fixture)
    assert expectations, f"{fixture.name} declares no '# expect:' line"
    kb_dir, target = _kb_with(tmp_path, fixture)

    report = check_knowledge_base(kb_dir)

    for expected in expectations:
        assert any(_matches(p, target, expected) for p in report.problems), (
            f"{fixture.name}: expected {expected}, got:\n"
            + "\n".join(str(p) for p in report.problems)
        )
    expected_errors = sum(1 for *_, severity, _ in expectations if severity == "error")
    assert len(report.errors) == expected_errors, "\n".join(str(p) for p in report.problems)


def test_problem_reads_as_file_line_column_message_hint() -> None:
    problem = Problem(
        file="faq/a.yml", line=3, column=5, severity="error", message="thiếu", hint="thêm"
    )
    assert str(problem) == "faq/a.yml:3:5: error: thiếu (hint: thêm)"


def test_broken_file_never_half_loads() -> None:
    with pytest.raises(KbFileError) as raised:
        read_model(BROKEN / "faq_unknown_key.yml", FaqFile)
    assert {(p.line, p.column) for p in raised.value.problems} == {(6, 5), (11, 5)}


def test_one_broken_faq_file_stops_the_whole_faq_load(tmp_path: Path) -> None:
    kb_dir, _ = _kb_with(tmp_path, BROKEN / "faq_wrong_type.yml")
    with pytest.raises(KbFileError) as raised:
        load_faqs(kb_dir)
    assert [p.line for p in raised.value.problems] == [12]
    assert [faq.id for faq in load_faqs(BASE)] == ["tra_cuu_ho_so", "gio_lam_viec"]


def test_cli_exit_code_and_output(tmp_path: Path) -> None:
    runner = CliRunner()
    clean = runner.invoke(app, ["kb", "check", "--kb-dir", str(BASE)])
    assert clean.exit_code == 0, clean.output
    assert "0 lỗi" in clean.output

    kb_dir, target = _kb_with(tmp_path, BROKEN / "faq_duplicate_key.yml")
    broken = runner.invoke(app, ["kb", "check", "--kb-dir", str(kb_dir)])
    assert broken.exit_code == 1
    assert f"{target}:7:5: error:" in broken.output

    as_json = runner.invoke(app, ["kb", "check", "--kb-dir", str(kb_dir), "--json"])
    payload = json.loads(as_json.output)
    assert (payload["errors"], payload["problems"][0]["line"]) == (1, 7)


def test_follow_ups_file_is_checked_by_the_cli_and_required(tmp_path: Path) -> None:
    runner = CliRunner()
    kb_dir, target = _kb_with(tmp_path, BROKEN / "follow_ups_unfolded_word.yml")
    broken = runner.invoke(app, ["kb", "check", "--kb-dir", str(kb_dir)])
    assert broken.exit_code == 1
    assert f"{target}:6:10: error: write each filler as one folded word" in broken.output

    target.unlink()
    report = check_knowledge_base(kb_dir)
    assert [(p.file, p.line, p.message) for p in report.errors] == [
        (str(target), 1, "thiếu tệp follow_ups.yml")
    ]


def test_cli_rejects_a_missing_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["kb", "check", "--kb-dir", str(tmp_path / "none")])
    assert result.exit_code == 2


@pytest.mark.slow
def test_committed_knowledge_base_passes() -> None:
    report = check_knowledge_base(REPO_ROOT / "knowledge_base")
    assert report.errors == [], "\n".join(str(p) for p in report.errors[:20])
    assert report.faqs >= 45
    assert report.questions >= 12_000
