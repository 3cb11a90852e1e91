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

from bot.search.config import NegationConfig
from bot.search.rewrite import phrase_pattern
from bot.textfold import fold, fold_aligned

_WORD = re.compile(r"[0-9a-z]+")
_MARK = re.compile(r"[^\w\s]")


@dataclass(frozen=True)
class Negated:
    """A question split into what it asks and what it says it does not."""

    kept: str  # the question without the markers and the words they govern
    negated: str  # the governed words, in order, one span after another


class Negations:
    """Finds negation markers and the words they govern (``NegationConfig``)."""

    def __init__(self, config: NegationConfig) -> None:
        longest_first = sorted(config.markers, key=lambda m: len(fold(m).split()), reverse=True)
        self._marker = re.compile("|".join(phrase_pattern(m) for m in longest_first))
        self._first_words = frozenset(fold(marker).split()[0] for marker in config.markers)
        self.boundaries = frozenset(fold(word) for word in config.boundaries)
        self.max_words = config.max_words

    def split(self, text: str) -> Negated:
        """``text`` without its negated spans, and those spans."""
        if self._first_words.isdisjoint(fold(text).split()):  # most questions negate nothing
            return Negated(kept=text, negated="")
        folded = fold_aligned(text)
        pieces: list[str] = []
        negated: list[str] = []
        at = 0
        marker = self._marker.search(folded)
        while marker:
            if _MARK.search(text, marker.start(), marker.end()):  # "chủ, không" is no marker
                marker = self._marker.search(folded, marker.start() + 1)
                continue
            first = end = marker.end()
            for count, word in enumerate(_WORD.finditer(folded, marker.end())):
                # A punctuation mark, a boundary word or the longest span ends it.
                if text[end : word.start()].strip() or word.group() in self.boundaries:
                    break
                if count == self.max_words:
                    break
                if count == 0:
                    first = word.start()
                end = word.end()
            if end > marker.end():
                pieces.append(text[at : marker.start()])
                negated.append(text[first:end])
                at = end
            marker = self._marker.search(folded, end)
        if not negated:
            return Negated(kept=text, negated="")
        pieces.append(text[at:])
        return Negated(kept=" ".join("".join(pieces).split()), negated=" ".join(negated))

    def row_text(self, text: str, position: int) -> str:
        """What an index row is matched on: a name as written (``position`` 0), a curated
        phrasing without what it says it does not mean."""
        return text if position == 0 else self.split(text).kept


def negated_share(
    names: list[frozenset[str]], words: frozenset[str], idf: Callable[[str], float]
) -> list[float]:
    """The IDF share of ``words`` (what only a question's negated spans say) each of ``names``
    (the candidates' name words) holds; 0 throughout when there are none."""
    weights = {word: idf(word) for word in words}
    mass = sum(weights.values())
    if mass <= 0:
        return [0.0] * len(names)
    return [sum(weights[word] for word in words & name) / mass for name in names]
