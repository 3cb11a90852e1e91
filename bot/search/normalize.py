"""Vietnamese text normalisation: Unicode NFC, accent folding, syllable tokens and bigrams."""

from __future__ import annotations

import itertools
import re
import unicodedata

_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\ufeff]")
_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def clean(text: str) -> str:
    """NFC-normalise ``text``, drop control and zero-width characters, collapse whitespace."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lower-case, strip Vietnamese diacritics (``đ`` → ``d``) and keep only ``[0-9a-z]`` words.

    >>> fold("Đăng ký KHAI SINH!")
    'dang ky khai sinh'
    """
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped).strip()


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}


def syllables(folded: str) -> list[str]:
    """Split folded text into syllables; Roman numerals I–V become digits ("loại III" = "loại 3")."""
    return [_ROMAN.get(token, token) for token in folded.split()]


def with_bigrams(tokens: list[str]) -> list[str]:
    """Tokens followed by their adjacent pairs (``a_b``): Vietnamese words are mostly two syllables."""
    return tokens + [f"{a}_{b}" for a, b in itertools.pairwise(tokens)]
