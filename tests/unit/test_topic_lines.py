"""The topic lines of ``topic_lines.yml``: loaded, validated by ``isee kb check``, ambiguity left out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from bot.knowledge.check import check_knowledge_base
from bot.knowledge.schema import TOPICS
from bot.knowledge.topic_lines import TOPIC_LINES_FILE, TopicLines, load_topic_lines

REPO_KB = Path(__file__).resolve().parents[2] / "knowledge_base"


def test_lines_are_read_under_their_topic_and_a_line_under_two_topics_is_left_out() -> None:
    lines = TopicLines.model_validate(
        {
            "topics": {
                "ho_so": ["cần giấy tờ gì", "nộp ở đâu"],
                "noi_nop": ["nộp ở đâu", "cơ quan nào giải quyết"],
                "tong_quan": ["cho tôi hỏi về thủ tục này"],
            }
        }
    ).lines()
    assert lines == [
        ("cần giấy tờ gì", "ho_so"),
        ("cơ quan nào giải quyết", "noi_nop"),
        ("cho tôi hỏi về thủ tục này", "tong_quan"),
    ]


@pytest.mark.parametrize(
    "topics",
    [{"ty_gia": ["tỷ giá usd hôm nay"]}, {"ho_so": ["cần giấy tờ gì", "  "]}],
)
def test_an_unknown_topic_or_an_empty_line_is_refused(topics: dict) -> None:
    with pytest.raises(ValidationError):
        TopicLines.model_validate({"topics": topics})


def test_the_repository_lines_load_and_cover_every_topic() -> None:
    lines = load_topic_lines(REPO_KB).lines()
    assert {topic for _, topic in lines} == set(TOPICS)


def test_kb_check_points_at_a_wrong_topic_line(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(REPO_KB, kb_dir, ignore=shutil.ignore_patterns("procedures", "ranker"))
    text = yaml.safe_dump(
        {"topics": {"ho_so": ["cần giấy tờ gì"], "ty_gia": ["tỷ giá usd hôm nay"]}},
        allow_unicode=True,
    )
    (kb_dir / TOPIC_LINES_FILE).write_text(text, encoding="utf-8")
    report = check_knowledge_base(kb_dir)
    found = [p for p in report.errors if p.file.endswith(TOPIC_LINES_FILE)]
    assert found, report.errors
    assert found[0].line > 1
