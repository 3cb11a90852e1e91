"""Self-retrieval audit of the curated phrasings (``isee kb audit-questions``).

Each phrasing is searched with itself left out of the index; a good phrasing finds its own
procedure first. Those that find a sibling first are listed with their file and line, so that a
curator can make them say what sets their procedure apart, or move them to the right procedure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel

from bot.knowledge.loader import PROCEDURES_DIR
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
    misses: list[AuditMiss]


def _phrasing_lines(node: yaml.Node) -> Iterator[tuple[str, int]]:
    """Each curated phrasing under a ``questions:`` key of ``node``, with its first line."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "questions" and isinstance(value, yaml.SequenceNode):
                for item in value.value:
                    scalars = (
                        [v for _, v in item.value] if isinstance(item, yaml.MappingNode) else [item]
                    )
                    for scalar in scalars:
                        if isinstance(scalar, yaml.ScalarNode):
                            yield scalar.value, scalar.start_mark.line + 1
            else:
                yield from _phrasing_lines(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _phrasing_lines(item)


def _locate(kb_dir: Path, key: str, text: str) -> tuple[str, int]:
    """File and line where the phrasing ``text`` is written (procedure file, or the FAQ file
    holding it). Long phrasings are folded over several YAML lines: the line where they start
    is given."""
    if key.startswith("faq:"):
        candidates = sorted((kb_dir / "faq").glob("*.yml"))
    else:
        candidates = sorted((kb_dir / PROCEDURES_DIR).glob(f"*/{key}.yml"))
    for path in candidates:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        for value, number in _phrasing_lines(root) if root else ():
            if value == text:
                return str(path), number
    return str(candidates[0]) if candidates else key, 0


def audit(searcher: Searcher, results: list[SelfResult], kb_dir: Path) -> AuditReport:
    """Rank each self-search with the trained ranker and collect the phrasings that miss."""
    models = searcher.trained()
    misses = []
    for result in results:
        scores = models.rank(result.found.matrix)
        best = int(result.found.docs[int(np.argmax(scores))])
        if best == result.query.doc:
            continue
        owner = searcher.docs[result.query.doc].key
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
        misses=misses,
    )
