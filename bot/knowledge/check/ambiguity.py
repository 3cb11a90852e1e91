"""The ambiguity report: procedure questions whose two closest procedure names score alike."""

from __future__ import annotations

import math
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

from bot.knowledge.check.checker import Checker
from bot.knowledge.check.procedures import related
from bot.textfold import strip_marks

AMBIGUITY_MIN_SCORE = 0.4
AMBIGUITY_MAX_GAP = 0.03


def _terms(text: str) -> set[str]:
    """Accent-folded syllables and syllable bigrams of ``text``."""
    folded = strip_marks(text.casefold())  # case-folded first, as this report always has (ß → ss)
    words = "".join(char if char.isalnum() else " " for char in folded).split()
    return set(words) | {f"{a} {b}" for a, b in pairwise(words)}


class _NameIndex:
    """Accent-folded term index over procedure names, for a cheap cosine similarity."""

    def __init__(self, names: dict[str, str]) -> None:
        self.codes = list(names)
        self.terms = [_terms(names[code]) for code in self.codes]
        frequency: dict[str, int] = defaultdict(int)
        for terms in self.terms:
            for term in terms:
                frequency[term] += 1
        total = len(self.codes) + 1
        self.idf = {term: _idf(total, count) for term, count in frequency.items()}
        self.postings: dict[str, list[int]] = defaultdict(list)
        for index, terms in enumerate(self.terms):
            for term in terms:
                self.postings[term].append(index)
        self.norms = [_norm(terms, self.idf) for terms in self.terms]

    def best_two(self, text: str) -> list[tuple[float, str]]:
        """The two procedures whose names are closest to ``text`` (cosine, best first)."""
        query = {term for term in _terms(text) if term in self.idf}
        query_norm = _norm(query, self.idf)
        if not query_norm:
            return []
        overlap: dict[int, float] = defaultdict(float)
        for term in query:
            weight = self.idf[term] ** 2
            for index in self.postings[term]:
                overlap[index] += weight
        scored = sorted(
            (
                (score / (query_norm * self.norms[index]), self.codes[index])
                for index, score in overlap.items()
            ),
            reverse=True,
        )
        return scored[:2]


def _idf(total: int, count: int) -> float:
    return math.log(total / count) + 1.0


def _norm(terms: set[str], idf: dict[str, float]) -> float:
    return sum(idf.get(term, 0.0) ** 2 for term in terms) ** 0.5


def check_ambiguity(checker: Checker) -> None:
    """A procedure question whose two closest procedure names score alike.

    Closeness is the cosine of IDF-weighted accent-folded syllables and syllable bigrams: cheap,
    lexical, and enough to show staff where a question needs a distinguishing word.
    """
    procedures = {code: item[0].effective() for code, item in checker.procedures.items()}
    if len(procedures) < 2:
        return
    index = _NameIndex({code: procedure.name for code, procedure in procedures.items()})
    for question in checker.questions:
        if question.procedure is None:
            continue
        best = index.best_two(question.text)
        if len(best) < 2:
            continue
        (first_score, first), (second_score, second) = best
        if first_score < AMBIGUITY_MIN_SCORE or first_score - second_score > AMBIGUITY_MAX_GAP:
            continue
        if related(procedures[first], procedures[second]):
            continue
        checker.add(
            Path(question.file),
            (question.line, question.column),
            f"câu hỏi '{question.text}' gần như nhau với hai thủ tục {first} "
            f"({procedures[first].name}) và {second} ({procedures[second].name})",
            "thêm từ phân biệt vào câu hỏi, hoặc đánh dấu một thủ tục là biến thể (variant_of)",
            "warning",
        )
