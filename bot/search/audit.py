"""Self-retrieval audit of the curated phrasings (``isee kb audit-questions``).

Each phrasing is searched with itself left out of the index; a good phrasing finds its own
procedure first. Those that find a sibling first are listed with their file and line, so that a
curator can make them say what sets their procedure apart, or move them to the right procedure.
A phrasing that finds the other version of its own procedure (an old provincial record and the
national record that supersedes it, linked by ``superseded_by``) finds its procedure: both answer
with the newer record's facts, and no phrasing can tell them apart. Those are counted apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from bot.knowledge.check.marked import Loc, read_yaml
from bot.knowledge.loader import PROCEDURES_DIR
from bot.knowledge.schema import CuratedQuestion, Procedure
from bot.search.searcher import Searcher
from bot.search.selfsearch import SelfResult


class AuditMiss(BaseModel):
    """A phrasing whose search found another entry first."""

    file: str
    line: int
    text: str
    owner: str
    found: str
    found_title: str


class AuditReport(BaseModel):
    """Share of phrasings that find their own entry first, and the ones that do not."""

    phrasings: int
    self_retrieved: int
    share: float
    other_version: int = Field(
        description="Of self_retrieved: found the other version of their procedure (superseded_by)"
    )
    misses: list[AuditMiss]


def _question_lists(data: Any, key: str) -> Iterator[tuple[Loc, list[Any]]]:
    """The ``questions:`` list of entry ``key`` in a loaded file, with where it stands."""
    if not isinstance(data, dict):
        return
    if not key.startswith("faq:"):
        yield ("questions",), data.get("questions") or []
        return
    for index, faq in enumerate(data.get("faqs") or []):
        if isinstance(faq, dict) and f"faq:{faq.get('id')}" == key:
            yield ("faqs", index, "questions"), faq.get("questions") or []


def _locate(kb_dir: Path, key: str, text: str) -> tuple[str, int]:
    """File and line where the phrasing ``text`` of entry ``key`` is written (procedure file,
    or the FAQ file holding the entry). Long phrasings are folded over several YAML lines: the
    line where their list item starts is given."""
    if key.startswith("faq:"):
        candidates = sorted((kb_dir / "faq").glob("*.yml"))
    else:
        candidates = sorted((kb_dir / PROCEDURES_DIR).glob(f"*/{key}.yml"))
    for path in candidates:
        marked, _ = read_yaml(path)
        for loc, items in _question_lists(marked.data, key):
            for index, item in enumerate(items):
                if CuratedQuestion.model_validate(item).text == text:
                    return str(path), marked.position((*loc, index))[0]
    return str(candidates[0]) if candidates else key, 0


def versions(procedures: dict[str, Procedure]) -> set[frozenset[str]]:
    """Pairs of codes that are one procedure: an old record and the one that supersedes it."""
    return {
        frozenset((code, procedure.superseded_by))
        for code, procedure in procedures.items()
        if procedure.superseded_by
    }


def audit(
    searcher: Searcher,
    results: list[SelfResult],
    kb_dir: Path,
    same: set[frozenset[str]],
) -> AuditReport:
    """Rank each self-search with the trained ranker and collect the phrasings that miss.

    ``same`` holds the pairs of entry keys that are versions of one procedure (``versions``)."""
    models = searcher.trained()
    misses = []
    other_version = 0
    for result in results:
        scores = models.rank(result.found.matrix)
        best = int(result.found.docs[int(np.argmax(scores))])
        if best == result.query.doc:
            continue
        owner = searcher.docs[result.query.doc].key
        if frozenset((owner, searcher.docs[best].key)) in same:
            other_version += 1
            continue
        file, line = _locate(kb_dir, owner, result.query.text)
        misses.append(
            AuditMiss(
                file=file,
                line=line,
                text=result.query.text,
                owner=owner,
                found=searcher.docs[best].key,
                found_title=searcher.docs[best].title,
            )
        )
    total = len(results)
    return AuditReport(
        phrasings=total,
        self_retrieved=total - len(misses),
        share=round((total - len(misses)) / total, 4) if total else 0.0,
        other_version=other_version,
        misses=misses,
    )
