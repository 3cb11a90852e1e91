"""Accent-insensitive phrase rewriting: chat shorthands and synonyms mapped onto procedure wording."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.synonyms import SynonymList
from bot.search.diacritics import DiacriticRestorer
from bot.search.normalize import same_word
from bot.textfold import fold, fold_aligned


def phrase_pattern(phrase: str) -> str:
    """Regex matching the folded ``phrase`` as whole words, any whitespace between them."""
    words = fold(phrase).split()
    return r"(?<![0-9a-z])" + r"\s+".join(map(re.escape, words)) + r"(?![0-9a-z])"


@dataclass(frozen=True)
class Rewrite:
    """A rewritten query: ``text`` with replacements applied, and the words that were replaced
    (synonym terms, and shorthands of several meanings), as typed."""

    text: str
    replaced: tuple[str, ...] = ()


class Rewriter:
    """Replaces shorthands and synonym terms in raw text, matching without diacritics or case.

    A shorthand with several meanings ("đk": đăng ký, điều kiện, được) is read as the one the
    knowledge base's own texts make likeliest between its neighbours (``restorer``, their bigram
    model): "đủ đk sản xuất" → "điều kiện", "đk kết hôn" → "đăng ký", "có đk không" → "được".
    """

    def __init__(self, synonyms: SynonymList, restorer: DiacriticRestorer) -> None:
        self._restorer = restorer
        self._shorthands = {
            fold(s.short): (s.short.lower(), s.meanings) for s in synonyms.shorthands
        }
        replacements: dict[str, str] = {}
        spellings: dict[str, list[str]] = {}
        for group in synonyms.synonyms:
            for term in (group.canonical, *group.terms):
                replacements.setdefault(fold(term), group.canonical)
                spellings.setdefault(fold(term), []).append(term)
        # Each pattern goes with its longest folded word: a cheap substring test skips the regex
        # for a text that cannot hold the phrase.
        self._patterns = [
            (max(p.split(), key=len), re.compile(phrase_pattern(p)), c, spellings[p])
            for p, c in replacements.items()
        ]
        self._word = re.compile(r"[0-9a-z]+")

    def _expand_shorthands(self, text: str) -> tuple[str, list[str]]:
        """``text`` with its shorthands expanded, and the shorthands of several meanings as
        typed: their reading may be wrong, so they are matched too (like a synonym's term)."""
        matches = list(self._word.finditer(fold_aligned(text)))
        # Each word as it reads: as typed (lower case), or what its shorthand stands for.
        reading = [text[m.start() : m.end()].lower() for m in matches]
        expanded: list[int] = []
        ambiguous: list[tuple[int, tuple[str, ...]]] = []
        for i, match in enumerate(matches):
            known = self._shorthands.get(match.group())
            if known is None or (reading[i] != known[0] and fold(reading[i]) != reading[i]):
                continue
            expanded.append(i)
            if len(known[1]) == 1:
                reading[i] = known[1][0]
            else:
                ambiguous.append((i, known[1]))
        # Several meanings: read between the neighbours as expanded so far, left to right.
        for i, meanings in ambiguous:
            previous = reading[i - 1].rsplit(" ", 1)[-1] if i > 0 else None
            following = reading[i + 1].split(" ", 1)[0] if i + 1 < len(reading) else None
            reading[i] = self._restorer.likeliest(meanings, previous, following)
        pieces, last = [], 0
        for i in expanded:
            pieces += [text[last : matches[i].start()], reading[i]]
            last = matches[i].end()
        pieces.append(text[last:])
        typed = [text[matches[i].start() : matches[i].end()] for i, _ in ambiguous]
        return "".join(pieces), typed

    def _longest_matches(self, text: str, folded: str) -> list[tuple[int, int, str]]:
        """Non-overlapping term matches, longer ones first, in text order.

        "làm giấy khai sinh" holds "làm giấy" and "giấy khai sinh": the longer term wins wherever
        it starts. A term typed with other diacritics is another word ("giấy đó" is not "giấy đỏ");
        typed without any, it matches.
        """
        found = [
            (match.start(), match.end(), canonical)
            for word, pattern, canonical, spelled in self._patterns
            if word in folded
            for match in pattern.finditer(folded)
            if any(
                same_word(text[match.start() : match.end()], t, accentless=True) for t in spelled
            )
        ]
        chosen: list[tuple[int, int, str]] = []
        for start, end, canonical in sorted(found, key=lambda m: (m[0] - m[1], m[0])):
            if all(end <= s or start >= e for s, e, _ in chosen):
                chosen.append((start, end, canonical))
        return sorted(chosen)

    def rewrite(self, text: str) -> Rewrite:
        """Expand shorthands, then replace synonym terms by their canonical wording."""
        text, replaced = self._expand_shorthands(text)
        folded = fold_aligned(text)
        pieces, last = [], 0
        for start, end, canonical in self._longest_matches(text, folded):
            original = text[start:end]
            pieces += [text[last:start], canonical]
            last = end
            if fold(original) != fold(canonical):
                replaced.append(original)
        pieces.append(text[last:])
        return Rewrite("".join(pieces), tuple(replaced))
