"""Broad questions: what a citizen types when they name a kind of procedure, not one procedure.

"đăng ký", "cấp lại", "đất đai": many procedures fit, and no answer is right; the closest
procedures as choices are. They are read from the knowledge base itself (never from evaluation
sets): the openings that many procedure names share, and the names of the fields that hold many
procedures, each also typed without diacritics. Training uses them to set how unsure the search may
be and still show its best guess (``guess_threshold``, bot/search/train.py).
"""

from __future__ import annotations

import re
from collections import Counter

from bot.search.config import BroadQuestions
from bot.search.documents import SearchDoc
from bot.textfold import fold

_OFFICE_TAG = re.compile(r"^\[[^\]]*\]\s*-\s*")  # "[SVH] - Du lịch": the office, then the field
_WORD = re.compile(r"\w+")


def broad_questions(docs: list[SearchDoc], config: BroadQuestions) -> list[str]:
    """The broad questions of the procedures in ``docs``, with and without diacritics."""
    openings: Counter[str] = Counter()
    fields: Counter[str] = Counter()
    skip = {fold(s) for s in config.skip_openings}
    for doc in docs:
        if doc.kind != "procedure":
            continue
        words = doc.title.lower().split()
        head = words[: config.opening_words]
        if (
            len(words) > config.opening_words
            and all(_WORD.fullmatch(w) for w in head)
            and not any(fold(" ".join(head)).startswith(s) for s in skip)
        ):
            openings[" ".join(head)] += 1
        if doc.field:
            fields[_OFFICE_TAG.sub("", doc.field).strip().lower()] += 1
    broad = [
        text
        for counts in (openings, fields)
        for text, n in sorted(counts.items())
        if n >= config.min_procedures
    ]
    return list(dict.fromkeys(text for b in broad for text in (b, fold(b))))
