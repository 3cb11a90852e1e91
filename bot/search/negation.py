"""What a question says it is *not* asking ("xin lần đầu chứ không phải cấp lại").

Citizens set their procedure apart from its siblings by naming the sibling they do not mean. Read
as plain words, "cấp lại" would then count for the re-issue record. The words a negation marker
governs (up to a boundary: a punctuation mark, a boundary word or ``max_words`` words) are taken out
of what the question is matched on and kept apart, so that a ranking feature can weigh them against
the candidates whose names hold them (``search.yml``: ``negation``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.search.config import NegationConfig
from bot.textfold import fold

if TYPE_CHECKING:
    from bot.search.query import Query

_TOKENS = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class Negated:
    """A question split into what it asks and what it says it does not."""

    kept: str  # the question without the markers and the words they govern
    negated: str  # the governed words, in order, one span after another


class Negations:
    """Finds negation markers and the words they govern (``NegationConfig``)."""

    def __init__(self, config: NegationConfig) -> None:
        self.markers = sorted(
            (tuple(fold(marker).split()) for marker in config.markers), key=len, reverse=True
        )
        self.boundaries = frozenset(fold(word) for word in config.boundaries)
        self.max_words = config.max_words

    def split(self, text: str) -> Negated:
        """``text`` without its negated spans, and those spans."""
        tokens = list(_TOKENS.finditer(text))
        folded = [fold(token.group()) for token in tokens]
        cuts: list[tuple[int, int]] = []
        negated: list[str] = []
        i = 0
        while i < len(tokens):
            marker = self._marker_at(folded, i)
            if marker == 0:
                i += 1
                continue
            end = i + marker
            words = 0
            while (
                end < len(tokens)
                and words < self.max_words
                and tokens[end].group()[0].isalnum()
                and folded[end] not in self.boundaries
            ):
                end += 1
                words += 1
            if words:
                cuts.append((tokens[i].start(), tokens[end - 1].end()))
                negated.append(text[tokens[i + marker].start() : tokens[end - 1].end()])
            i = end
        if not cuts:
            return Negated(kept=text, negated="")
        pieces, at = [], 0
        for start, stop in cuts:
            pieces.append(text[at:start])
            at = stop
        pieces.append(text[at:])
        return Negated(kept=" ".join("".join(pieces).split()), negated=" ".join(negated))

    def row_text(self, text: str, position: int) -> str:
        """What an index row is matched on: a name as written (``position`` 0), a curated
        phrasing without what it says it does not mean."""
        return text if position == 0 else self.split(text).kept

    def _marker_at(self, folded: list[str], i: int) -> int:
        """How many tokens a marker starting at token ``i`` spans (0: none starts there)."""
        for marker in self.markers:
            if tuple(folded[i : i + len(marker)]) == marker:
                return len(marker)
        return 0


def negated_share(
    names: list[frozenset[str]], query: Query, idf: Callable[[str], float]
) -> list[float]:
    """Of the words only the question's negated spans hold, the IDF share each of ``names`` (the
    candidates' name words) holds; 0 throughout when the question negates nothing."""
    words = query.negated - query.syllables
    weights = {word: idf(word) for word in words}
    mass = sum(weights.values())
    if mass <= 0:
        return [0.0] * len(names)
    return [sum(weights[word] for word in words & name) / mass for name in names]
