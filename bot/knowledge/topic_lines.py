"""Topic lines: how people ask each topic of a procedure without naming one.

The topic is read from a question with the found procedure's name cut out
(``Searcher.topics_asked`` in ``bot.search.searcher``), so what the topic classifier reads is often just
"Thành phần hồ sơ của thủ tục gồm những gì?" or "mat bn ngay". ``knowledge_base/topic_lines.yml``
holds such lines under their topic, written independently of any evaluation set; the classifier
learns from them beside the curated phrasings (``bot.search.topic_training``).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.knowledge.schema import Topic

TOPIC_LINES_FILE = "topic_lines.yml"


class TopicLines(BaseModel):
    """Lines asking one topic each (``tong_quan``: the procedure as a whole), under that topic."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topics: dict[Topic, list[str]] = Field(default_factory=dict)

    @field_validator("topics")
    @classmethod
    def _no_blank(cls, value: dict[Topic, list[str]]) -> dict[Topic, list[str]]:
        for topic, lines in value.items():
            if any(not line.strip() for line in lines):
                raise ValueError(f"topic {topic!r} has an empty line")
        return value

    def lines(self) -> list[tuple[str, str]]:
        """(text, topic) pairs in file order; a line under two topics is ambiguous and left out."""
        found: dict[str, set[str]] = {}
        for topic, texts in self.topics.items():
            for text in texts:
                found.setdefault(text, set()).add(topic)
        return [(text, next(iter(topics))) for text, topics in found.items() if len(topics) == 1]


def load_topic_lines(kb_dir: Path) -> TopicLines:
    """Read ``<kb_dir>/topic_lines.yml``; no lines when the file is absent."""
    path = kb_dir / TOPIC_LINES_FILE
    if not path.exists():
        return TopicLines()
    return TopicLines.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
