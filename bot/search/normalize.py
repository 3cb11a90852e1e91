"""Vietnamese text normalisation: Unicode NFC, syllable tokens and bigrams, diacritic marks.

Accent folding itself lives in ``bot.textfold``; ``fold`` is re-exported here for the search.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

from bot.textfold import fold as fold  # re-exported: the one accent folding

_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\ufeff]")
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """NFC-normalise ``text``, drop control and zero-width characters, collapse whitespace."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


ROMAN_NUMERALS = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}


def syllables(folded: str) -> list[str]:
    """Split folded text into syllables; Roman numerals I–V become digits ("loại III" = "loại 3")."""
    return [ROMAN_NUMERALS.get(token, token) for token in folded.split()]


def pair(first: str, second: str) -> str:
    """The token of two adjacent syllables (``a_b``); no syllable holds ``_``."""
    return f"{first}_{second}"


def with_bigrams(tokens: list[str]) -> list[str]:
    """Tokens followed by their adjacent pairs (``a_b``): Vietnamese words are mostly two syllables."""
    return tokens + [pair(a, b) for a, b in itertools.pairwise(tokens)]


_TONE_AND_VOWEL_MARKS = re.compile(r"[^\u0300-\u036fđ]")
_WORDS = re.compile(r"\w+", re.UNICODE)
ACCENTLESS_SHARE = 0.15


def marks(text: str) -> str:
    """The diacritics of ``text`` as a sorted string: equal for "hoá"/"hóa", not for "bán"/"bạn"."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(sorted(_TONE_AND_VOWEL_MARKS.sub("", decomposed)))


def is_accentless(text: str) -> bool:
    """Whether ``text`` is typed (almost) without diacritics, as many chat messages are."""
    words = _WORDS.findall(text.lower())
    if not words:
        return True
    accented = sum(1 for word in words if marks(word))
    return accented / len(words) < ACCENTLESS_SHARE


def same_word(written: str, phrase: str, accentless: bool) -> bool:
    """Whether ``written`` (equal to ``phrase`` once folded) is that phrase and not a homograph.

    In a message typed with diacritics they must agree ("bán" is not the filler "bạn", "cơ" is not
    "có"); in an accentless message any spelling without diacritics is accepted.
    """
    written_marks = marks(written)
    return written_marks == marks(phrase) or (accentless and not written_marks)
