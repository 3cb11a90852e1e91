"""Putting the diacritics back on a question typed without them, for the dense model.

"xin cap lai giay phep lai tau ca" and "xin cấp lại giấy phép lái tàu cá" are one question to BM25
(it folds accents), not to multilingual-e5: on 600 curated phrasings typed with diacritics, of
which the dense model alone finds the procedure for 49 %, the same phrasings folded find it for
18 %. This module restores the marks with a bigram language model of the knowledge base's own
accented texts (names, phrasings, out-of-scope lines): each unmarked word may be any accented
word the texts spell that way, and the most likely sequence wins (Viterbi). See docs/search.md,
"Twelfth change".
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise

from bot.search.config import DiacriticsConfig, SearchConfig
from bot.search.documents import SearchDoc
from bot.search.normalize import is_accentless
from bot.textfold import strip_marks

_WORD = re.compile(r"\w+")
_START, _END = "<s>", "</s>"


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFC", text.lower()))


class DiacriticRestorer:
    """A bigram model of accented text that restores the marks of unmarked words."""

    def __init__(self, texts: Iterable[str], config: DiacriticsConfig) -> None:
        """Count the words and word pairs of ``texts``, skipping those typed without accents."""
        self.config = config
        self._unigrams: Counter[str] = Counter()
        self._bigrams: Counter[tuple[str, str]] = Counter()
        spellings: defaultdict[str, Counter[str]] = defaultdict(Counter)
        for text in texts:
            if is_accentless(text):
                continue
            words = [_START, *_words(text), _END]
            self._unigrams.update(words[1:])
            self._bigrams.update(pairwise(words))
            for word in words[1:-1]:
                spellings[strip_marks(word)][word] += 1
        self._following: Counter[str] = Counter()
        for (first, _), count in self._bigrams.items():
            self._following[first] += count
        self._total = sum(self._unigrams.values())
        self._vocabulary = len(self._unigrams) + 1
        self._spellings = {
            bare: tuple(word for word, _ in counts.most_common(config.candidates))
            for bare, counts in spellings.items()
        }

    @classmethod
    def of_index(
        cls, docs: list[SearchDoc], outside_texts: list[str], config: SearchConfig
    ) -> DiacriticRestorer:
        """The restorer of an index: learned from its documents' texts (names, phrasings, FAQ)
        and its out-of-scope lines, so a question about a bank is spelled as banks are."""
        texts = [text for doc in docs for text in doc.texts]
        return cls([*texts, *outside_texts], config.diacritics)

    def _score(self, previous: str, word: str) -> float:
        weight = self.config.bigram_weight
        unigram = (self._unigrams[word] + 1) / (self._total + self._vocabulary)
        following = self._following[previous]
        bigram = self._bigrams[(previous, word)] / following if following else 0.0
        return math.log(weight * bigram + (1 - weight) * unigram)

    def _options(self, word: str) -> tuple[str, ...]:
        if word != strip_marks(word):  # already marked: kept as typed
            return (word,)
        return self._spellings.get(word, (word,))

    def spelling(self, bare: str, previous: str | None, following: str | None) -> str:
        """The accented spelling of the folded word ``bare`` most likely between the words
        ``previous`` and ``following`` (as typed, lower case; ``None`` at either end of the text);
        ``bare`` itself when the texts never spell it with marks."""
        before = previous or _START
        after = following or _END
        return max(
            self._options(bare),
            key=lambda option: self._score(before, option) + self._score(option, after),
        )

    def likeliest(self, options: Sequence[str], previous: str | None, following: str | None) -> str:
        """Of ``options`` (accented words or phrases a shorthand may stand for), the one most
        likely between the words ``previous`` and ``following`` (as typed, lower case; ``None``
        at either end of the text). A neighbour typed without marks is read in whichever of its
        spellings fits the option best; the first option wins a tie."""
        before = self._options(previous) if previous else (_START,)
        after = self._options(following) if following else (_END,)

        def score(option: str) -> float:
            words = _words(option)
            inner = sum(self._score(first, second) for first, second in pairwise(words))
            return (
                max(self._score(word, words[0]) for word in before)
                + inner
                + max(self._score(words[-1], word) for word in after)
            )

        scores = [score(option) for option in options]
        return options[scores.index(max(scores))]

    def restore(self, text: str) -> str:
        """``text`` lower-cased, each unmarked word given its most likely accented spelling;
        other characters (digits, punctuation, spaces) stay as they are."""
        lowered = unicodedata.normalize("NFC", text.lower())
        words = _WORD.findall(lowered)
        if not words:
            return lowered
        # Viterbi over the spellings: best[w] = (log-probability, path) ending in spelling w.
        best: dict[str, tuple[float, tuple[str, ...]]] = {_START: (0.0, ())}
        for word in words:
            best = {
                option: max(
                    (score + self._score(previous, option), (*path, option))
                    for previous, (score, path) in best.items()
                )
                for option in self._options(word)
            }
        _, path = max(
            (score + self._score(previous, _END), path) for previous, (score, path) in best.items()
        )
        spelled = iter(path)
        return _WORD.sub(lambda _: next(spelled), lowered)
