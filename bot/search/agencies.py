"""Agency mentions: "… tại Ban Quản lý KKT", "nộp ở UBND xã" name the office a question is about.

Many procedures exist once per implementing office (the same building permit from the commune, the
Department of Construction or the economic-zone board). A question that names the office is taken
at its word: the mention leaves the words used for retrieval (it would pull in procedures whose
*title* names that office) and becomes a ranking feature, the share of its words found in the
procedure's implementing agency or in the agency its field tag stands for (``[BQL] - …``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bot.search.normalize import fold, same_word
from bot.textfold import fold_aligned

PREPOSITIONS = ("tại", "ở")
HEADS = (
    "ban quản lý",
    "ủy ban nhân dân",
    "sở",
    "công an",
    "chi cục",
    "cục",
    "hải quan",
    "kho bạc",
    "bảo hiểm xã hội",
    "văn phòng đăng ký đất đai",
    "chi nhánh văn phòng đăng ký đất đai",
)
MAX_WORDS = 8
# Words that end a mention: the question goes on ("… tại Sở Y tế như thế nào", "… thì cần gì").
_ENDS = frozenset(
    [
        "nhu",
        "thi",
        "co",
        "duoc",
        "khong",
        "la",
        "de",
        "can",
        "phai",
        "bao",
        "may",
        "mat",
        "het",
        "gi",
        "nao",
        "hay",
        "ma",
        "khi",
        "neu",
        "sau",
        "truoc",
        "nop",
        "lam",
        "xin",
        "gom",
        "thoi",
        "trinh",
        "ho",
    ]
)
# Words of a mention that say nothing about which office: "các", "cấp", the province's name.
_NEUTRAL = frozenset(["cac", "cap", "va", "lang", "son"])
_PUNCTUATION = re.compile(r"[,.;:?!()\[\]\"“”]")
_WORD = re.compile(r"[0-9a-z]+")
_HEAD_WORDS = [(fold(head).split(), head) for head in sorted(HEADS, key=len, reverse=True)]


@dataclass(frozen=True)
class AgencyMention:
    """An office named in a question: its character span and its folded words."""

    start: int
    end: int
    words: frozenset[str]


def find_agency(text: str, accentless: bool) -> AgencyMention | None:
    """The first office ``text`` names after "tại" / "ở", or ``None``."""
    words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(fold_aligned(text))]
    for k, (word, start, end) in enumerate(words):
        preposition = next((p for p in PREPOSITIONS if fold(p) == word), None)
        if preposition is None or not same_word(text[start:end], preposition, accentless):
            continue
        first = k + 2 if k + 1 < len(words) and words[k + 1][0] == "cac" else k + 1
        head_end = _head_end(text, words, first, accentless)
        if head_end is None:
            continue
        last = head_end
        while (
            last < len(words)
            and last - k - 1 < MAX_WORDS
            and words[last][0] not in _ENDS
            and not _PUNCTUATION.search(text[words[last - 1][2] : words[last][1]])
        ):
            last += 1
        named = frozenset(w for w, _, _ in words[k + 1 : last]) - _NEUTRAL
        return AgencyMention(start=start, end=words[last - 1][2], words=named)
    return None


def _head_end(
    text: str, words: list[tuple[str, int, int]], first: int, accentless: bool
) -> int | None:
    """Index after the office head starting at word ``first`` ("sở", "ban quản lý"…), if any."""
    if first >= len(words):
        return None
    for head_words, head in _HEAD_WORDS:
        end = first + len(head_words)
        if [w for w, _, _ in words[first:end]] != head_words:
            continue
        if accentless and len(head_words) == 1:
            return None  # "o so" may be "ở sổ", "ở số": only a longer head is safe without accents
        if same_word(text[words[first][1] : words[end - 1][2]], head, accentless):
            return end
    return None


def strip_agency(text: str, mention: AgencyMention | None) -> str:
    """``text`` without the mention; unchanged when nothing else would remain."""
    if mention is None:
        return text
    rest = " ".join(f"{text[: mention.start]} {text[mention.end :]}".split())
    return rest if any(ch.isalnum() for ch in rest) else text


def agency_words(
    agency: str | None, field: str | None, field_tags: dict[str, str]
) -> frozenset[str]:
    """Folded words of a procedure's agency, with the agencies its field tags stand for."""
    named = [agency or ""]
    named += [office for tag, office in field_tags.items() if field and f"[{tag}]" in field]
    return frozenset(fold(" ".join(named)).split())


class AgencyIndex:
    """The agency words of every procedure (``agency_words``), indexed by word."""

    def __init__(self, agencies: list[frozenset[str]]) -> None:
        self.size = len(agencies)
        holders: dict[str, list[int]] = {}
        for i, words in enumerate(agencies):
            for word in words:
                holders.setdefault(word, []).append(i)
        self._holders = {word: np.array(rows, dtype=np.int64) for word, rows in holders.items()}

    def fits(self, mention: AgencyMention | None) -> np.ndarray:
        """Share of the mention's words each procedure's agency uses (0 without a mention)."""
        shared = np.zeros(self.size, dtype=np.float64)
        if mention is None or not mention.words:
            return shared
        for word in mention.words:
            shared[self._holders.get(word, _NONE)] += 1.0
        return shared / len(mention.words)


_NONE = np.zeros(0, dtype=np.int64)
