"""Whether a follow-up with no procedure in the conversation still names something to search.

The words that name nothing ("thế còn … thì sao ạ") live in ``knowledge_base/follow_ups.yml``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.knowledge.loader import parse_file
from bot.search.topics import TopicMatch, strip_span
from bot.textfold import fold

FOLLOW_UPS_FILE = "follow_ups.yml"


class FollowUpWords(BaseModel):
    """The filler words of a follow-up and how many other words name something."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fillers: frozenset[str] = Field(min_length=1, description="Folded words that name nothing")
    min_words: int = Field(ge=1, description="Other words a follow-up needs to be searched")

    @field_validator("fillers")
    @classmethod
    def _folded(cls, words: frozenset[str]) -> frozenset[str]:
        unfolded = sorted(word for word in words if fold(word) != word or " " in word)
        if unfolded:
            raise ValueError(f"write each filler as one folded word: {unfolded}")
        return words

    @classmethod
    def load(cls, kb_dir: Path) -> FollowUpWords:
        """Read ``follow_ups.yml``; a missing or invalid file raises with its path."""
        return parse_file(kb_dir / FOLLOW_UPS_FILE, cls)

    def names_something(self, text: str, topic: TopicMatch | None) -> bool:
        """Whether ``text``, once the words naming ``topic`` are removed, names something."""
        words = fold(strip_span(text, topic)).split()
        return len([w for w in words if w not in self.fillers]) >= self.min_words
