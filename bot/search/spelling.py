"""Mending the typing mistakes of a question before it is searched.

Citizens type on phones: a letter missed, doubled, swapped or hit next to the right one ("dang kyy",
"giay phpe", "thu tcu"), or Telex keys left in when the keyboard's Vietnamese input is off ("thur
tucj"). BM25 matches whole syllables, so a mistyped one matches nothing. A word no index row holds
(folded, as BM25 reads it) is replaced by a word that rows hold, one edit away (insert, delete,
substitute, transpose: SymSpell's delete dictionary, ``symspellpy``) or its Telex reading, provided
some row holds the replacement next to the word before or after it; among several, the likeliest
between its neighbours by the rows' own word and word-pair counts. Failing that, two words typed
without the space between them ("dangky") are split where a row holds the pair. A word the index
knows is never changed, so curated phrasings (every word of which the index holds) are read as
before. Measured in docs/search.md, "Twenty-first change".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from symspellpy import SymSpell, Verbosity

from bot.knowledge.synonyms import SynonymList
from bot.search.config import SpellingConfig
from bot.search.diacritics import DiacriticRestorer
from bot.search.lexical import LexicalIndex
from bot.search.normalize import ROMAN_NUMERALS, pair
from bot.textfold import fold, fold_aligned, strip_marks

_WORD = re.compile(r"[0-9a-z]+")
# Telex, the common Vietnamese input method: typed with the input off, a word keeps its keys.
_TELEX_TONES = "sfrxj"  # a tone key ends the word
# The keys of each modified letter, in the order they are read back: "uw" and a lone "w" both
# type "ư", so "w" comes last.
_TELEX_LETTERS = (
    ("dd", "d"),
    ("aa", "a"),
    ("aw", "a"),
    ("ee", "e"),
    ("oo", "o"),
    ("ow", "o"),
    ("uw", "u"),
    ("w", "u"),
)


def telex_reading(word: str) -> str:
    """The folded word that the Telex keys ``word`` type: "ddawngs" → "dang", "thur" → "thu",
    "nhwng" → "nhung" (a word without Telex keys is returned as it is)."""
    if len(word) > 2 and word[-1] in _TELEX_TONES:
        word = word[:-1]
    for keys, letter in _TELEX_LETTERS:
        word = word.replace(keys, letter)
    return word


class Speller:
    """Corrects the words of a question that the index does not know (see the module doc)."""

    def __init__(
        self,
        indexes: Sequence[LexicalIndex],
        known: Iterable[str],
        restorer: DiacriticRestorer,
        config: SpellingConfig,
    ) -> None:
        """Learn the words of ``indexes`` (their rows' folded syllables and syllable pairs); the
        words ``known`` (folded) are never corrected either; ``restorer`` gives a correction of an
        accented word its accents."""
        self.config = config
        self._indexes = indexes
        self._restorer = restorer
        counts: Counter[str] = Counter()
        for index in indexes:
            for token in index.vocabulary:
                if "_" not in token:  # a syllable, not a pair (``normalize.pair``)
                    counts[token] += index.document_frequency(token)
        self._counts = counts
        self._rows = sum(index.rows for index in indexes)
        self._known = frozenset(counts) | frozenset(known)
        self._dictionary = SymSpell(max_dictionary_edit_distance=config.max_edits)
        for word, count in counts.items():
            if count >= config.min_count and word.isalpha():
                self._dictionary.create_dictionary_entry(word, count)

    @classmethod
    def of_index(
        cls,
        lexical: LexicalIndex,
        outside_lexical: LexicalIndex,
        synonyms: SynonymList,
        agencies: Iterable[str],
        restorer: DiacriticRestorer,
        config: SpellingConfig,
    ) -> Speller:
        """The speller of an index: its rows and out-of-scope lines, plus the words of the
        synonyms and shorthands and of the offices' names, which no row needs to hold."""
        phrases = [
            *(s.short for s in synonyms.shorthands),
            *(meaning for s in synonyms.shorthands for meaning in s.meanings),
            *(term for g in synonyms.synonyms for term in (g.canonical, *g.terms)),
            *agencies,
        ]
        known = {word for phrase in phrases for word in fold(phrase).split()}
        return cls(
            [lexical, outside_lexical], known | set(ROMAN_NUMERALS), restorer, config.spelling
        )

    def correct(self, text: str) -> str:
        """``text`` with each unknown word that has a correction replaced by it (lower case, or
        capitalised as typed; with accents when it was typed with some); the rest as it is.

        Words are decided right to left, then left to right, each next to its neighbours as
        decided so far: in "thur tucj caaps laij giaays pheps lais xe" the known "xe" vouches for
        "lai", which vouches for "phep", and so on back to "thu".
        """
        matches = list(_WORD.finditer(fold_aligned(text)))
        typed = [text[match.start() : match.end()] for match in matches]
        chosen = [match.group() for match in matches]
        unknown = [
            i
            for i, word in enumerate(chosen)
            if word not in self._known and len(word) >= self.config.min_length and word.isalpha()
        ]
        corrected: set[int] = set()
        for order in (reversed(unknown), unknown):
            for i in order:
                if i in corrected:
                    continue
                # A corrected neighbour may be two words ("dangky" → "dang ky"): its nearer one.
                before = chosen[i - 1].rsplit(" ", 1)[-1] if i > 0 else None
                after = chosen[i + 1].split(" ", 1)[0] if i + 1 < len(chosen) else None
                best = self._best(chosen[i], before, after)
                if best is not None:
                    chosen[i] = best
                    corrected.add(i)
        if not corrected:
            return text
        # The words as they will read: typed (lower case) or corrected. A correction of a word
        # typed with accents gets, word by word, the spelling its neighbours call for.
        spelled = [chosen[i] if i in corrected else word.lower() for i, word in enumerate(typed)]
        for i in sorted(corrected):
            if strip_marks(typed[i]) == typed[i].lower():
                continue
            parts = chosen[i].split()
            previous = spelled[i - 1].rsplit(" ", 1)[-1] if i > 0 else None
            following = spelled[i + 1].split(" ", 1)[0] if i + 1 < len(spelled) else None
            for j, part in enumerate(parts):
                nxt = parts[j + 1] if j + 1 < len(parts) else following
                parts[j] = previous = self._restorer.spelling(part, previous, nxt)
            spelled[i] = " ".join(parts)
        pieces: list[str] = []
        last = 0
        for i in sorted(corrected):
            word = spelled[i].capitalize() if typed[i][0].isupper() else spelled[i]
            pieces += [text[last : matches[i].start()], word]
            last = matches[i].end()
        return "".join([*pieces, text[last:]])

    def _best(self, word: str, before: str | None, after: str | None) -> str | None:
        """The likeliest correction of the unknown ``word`` between ``before`` and ``after``
        (folded), among those that some row holds next to one of them; failing that, the word
        split in two (``_split``); ``None`` if there is neither."""
        options = {
            suggestion.term
            for suggestion in self._dictionary.lookup(
                word, Verbosity.ALL, max_edit_distance=self.config.max_edits
            )
        }
        reading = telex_reading(word)
        if self._counts[reading] >= self.config.min_count:
            options.add(reading)
        supported = [
            option
            for option in options
            if (before and self._pairs(before, option)) or (after and self._pairs(option, after))
        ]
        if not supported:
            return self._split(word)
        return max(sorted(supported), key=lambda option: self._score(option, before, after))

    def _split(self, word: str) -> str | None:
        """Two words typed without the space between them ("dangky" → "dang ky"): the split
        into two known words that the most rows hold side by side; ``None`` if no row holds any."""
        halves = [
            (word[:cut], word[cut:])
            for cut in range(1, len(word))
            if min(self._counts[word[:cut]], self._counts[word[cut:]]) >= self.config.min_count
        ]
        rows, first, second = max(
            ((self._pairs(first, second), first, second) for first, second in halves),
            default=(0, "", ""),
        )
        return f"{first} {second}" if rows else None

    def _pairs(self, first: str, second: str) -> int:
        """Rows that hold ``first second`` as adjacent syllables."""
        return sum(index.document_frequency(pair(first, second)) for index in self._indexes)

    def _score(self, word: str, before: str | None, after: str | None) -> float:
        """Log-likelihood of ``word`` after ``before`` and of ``after`` after ``word``: each a
        word-pair share interpolated with the word's own share of rows."""
        weight = self.config.bigram_weight
        total = 0.0
        for first, second in ((before, word), (word, after)):
            if first is None or second is None:
                continue
            alone = (self._counts[second] + 1) / (self._rows + len(self._counts) + 1)
            together = (
                self._pairs(first, second) / self._counts[first] if self._counts[first] else 0.0
            )
            total += math.log(weight * together + (1 - weight) * alone)
        return total
