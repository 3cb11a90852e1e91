"""Accent folding, the one rule: lower case, Vietnamese diacritics removed, ``đ`` read as ``d``.

Imports nothing of ours, so ``bot.knowledge``, ``bot.search`` and ``bot.portal_service`` all use
it. The Rasa component ``rasa_components/accent_folder.py`` keeps its own copy (it cannot import
``bot``); a unit test holds both to the same output.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_NON_WORD = re.compile(r"[^0-9a-z]+")


class _Unmarked(dict[int, str]):
    """Each character's canonical decomposition without its combining marks (``đ`` as ``d``),
    worked out the first time it is met: a ``str.translate`` table, one entry per distinct
    character (bounded by the character set, not by the input)."""

    def __missing__(self, codepoint: int) -> str:
        char = "d" if codepoint == ord("đ") else chr(codepoint)
        decomposed = unicodedata.normalize("NFD", char)
        self[codepoint] = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        return self[codepoint]


_UNMARKED = _Unmarked()


def strip_marks(text: str) -> str:
    """Lower-case ``text``, read ``đ`` as ``d`` and drop combining marks; keep every other character.

    Character by character, which is what decomposing the whole text and dropping its marks gives
    (decomposition maps each character alone; the reordering it adds only moves marks), at half
    the cost.

    >>> strip_marks("Đăng ký, KHAI SINH!")
    'dang ky, khai sinh!'
    """
    return text.lower().translate(_UNMARKED)


def fold(text: str) -> str:
    """``strip_marks`` keeping only ``[0-9a-z]`` words, one space apart.

    >>> fold("Đăng ký KHAI SINH!")
    'dang ky khai sinh'
    """
    return _NON_WORD.sub(" ", strip_marks(text)).strip()


def fold_aligned(text: str) -> str:
    """``fold`` character by character, so that positions match the lower-cased input.

    Each character is folded alone by ``strip_marks``; what is not one ``[0-9a-z]`` character
    becomes a space.
    """
    return "".join(_fold_char(ch) for ch in text.lower())


@cache  # one entry per distinct character: bounded by the character set, not by the input
def _fold_char(ch: str) -> str:
    base = strip_marks(ch)
    return base if len(base) == 1 and base.isascii() and base.isalnum() else " "
