"""Whether a follow-up with no procedure in the conversation still names something to search.

The words that name nothing ("thế còn … thì sao ạ") live in ``knowledge_base/follow_ups.yml``
(schema: ``bot.knowledge.follow_ups``).
"""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.follow_ups import FOLLOW_UPS_FILE, FollowUpList
from bot.knowledge.loader import parse_file
from bot.search.topics import TopicMatch, strip_span
from bot.textfold import fold


class FollowUpWords(FollowUpList):
    """The follow-up words of ``follow_ups.yml``, applied to a message."""

    @classmethod
    def load(cls, kb_dir: Path) -> FollowUpWords:
        """Read ``follow_ups.yml``; a missing or invalid file raises with its path."""
        return parse_file(kb_dir / FOLLOW_UPS_FILE, cls)

    def names_something(self, text: str, topic: TopicMatch | None) -> bool:
        """Whether ``text``, once the words naming ``topic`` are removed, names something."""
        words = fold(strip_span(text, topic)).split()
        return len([w for w in words if w not in self.fillers]) >= self.min_words
