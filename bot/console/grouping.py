"""Groups similar unanswered questions so that one new entry can fix many.

Rule: two questions are similar when the sets of their accent-folded words overlap enough
(Jaccard ≥ the threshold, ``ISEE_CONSOLE_GROUP_SIMILARITY``). Each question joins the first group
whose first question is similar to it (greedy, most recent first); simple, predictable and
explainable to staff."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.textfold import fold


def words(text: str) -> frozenset[str]:
    return frozenset(fold(text).split())


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


@dataclass
class QuestionGroup:
    """Similar questions; ``texts`` in the order met, ``entries`` the best candidates seen."""

    key: frozenset[str]
    texts: list[str] = field(default_factory=list)
    entries: set[str] = field(default_factory=set)

    @property
    def size(self) -> int:
        return len(self.texts)


def group_questions(
    questions: list[tuple[str, str | None]], threshold: float
) -> list[QuestionGroup]:
    """Group (text, candidate entry) pairs; largest groups first."""
    groups: list[QuestionGroup] = []
    for text, entry in questions:
        key = words(text)
        group = next((g for g in groups if jaccard(g.key, key) >= threshold), None)
        if group is None:
            group = QuestionGroup(key)
            groups.append(group)
        group.texts.append(text)
        if entry:
            group.entries.add(entry)
    return sorted(groups, key=lambda g: -g.size)
