"""Accent-insensitive phrase rewriting: chat shorthands and synonyms mapped onto procedure wording."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.synonyms import SynonymList
from bot.search.normalize import same_word
from bot.textfold import fold, fold_aligned


def phrase_pattern(phrase: str) -> str:
    """Regex matching the folded ``phrase`` as whole words, any whitespace between them."""
    words = fold(phrase).split()
    return r"(?<![0-9a-z])" + r"\s+".join(map(re.escape, words)) + r"(?![0-9a-z])"


@dataclass(frozen=True)
class Rewrite:
    """A rewritten query: ``text`` with replacements applied, and the words that were replaced."""

    text: str
    replaced: tuple[str, ...] = ()


class Rewriter:
    """Replaces shorthands and synonym terms in raw text, matching without diacritics or case."""

    def __init__(self, synonyms: SynonymList) -> None:
        self._shorthands = {fold(s.short): (s.short.lower(), s.full) for s in synonyms.shorthands}
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

    def _expand_shorthands(self, text: str) -> str:
        folded = fold_aligned(text)
        pieces, last = [], 0
        for match in self._word.finditer(folded):
            known = self._shorthands.get(match.group())
            raw = text[match.start() : match.end()].lower()
            if known is None or (raw != known[0] and fold(raw) != raw):
                continue
            full = known[1]
            pieces += [text[last : match.start()], full]
            last = match.end()
        pieces.append(text[last:])
        return "".join(pieces)

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
        text = self._expand_shorthands(text)
        folded = fold_aligned(text)
        pieces, last, replaced = [], 0, []
        for start, end, canonical in self._longest_matches(text, folded):
            original = text[start:end]
            pieces += [text[last:start], canonical]
            last = end
            if fold(original) != fold(canonical):
                replaced.append(original)
        pieces.append(text[last:])
        return Rewrite("".join(pieces), tuple(replaced))
