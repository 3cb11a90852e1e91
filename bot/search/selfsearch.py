"""Search every curated phrasing (and out-of-scope line) with itself left out of the index, and
the broad questions as they are.

This is the training data of the ranker, the gate and the confidence model, and the self-retrieval
audit of the corpus: a phrasing searched as if it were a new question must find its own procedure.
Query vectors are read from the query cache, where the index build has put every phrasing's and
out-of-scope line's as read without the topic model (``bot.search.build``): training embeds only
the broad questions; what else is missing (a question read with the topic model) is embedded once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.search.build import VectorCache
from bot.search.embedder import encode
from bot.search.evidence import Candidates
from bot.search.query import Query
from bot.search.searcher import Searcher

Progress = Callable[[str, int, int], None]
EMBED_BATCH = 64


@dataclass(frozen=True)
class SelfQuery:
    """One training question and what it must find."""

    text: str
    doc: int  # index of the document it belongs to; -1 for an out-of-scope or broad question
    row: int  # its own row in the index (or in the out-of-scope corpus); -1 when it has none
    topic: str | None  # topic label of a curated phrasing
    group: str  # cross-validation group: the procedure, or the out-of-scope category


@dataclass(frozen=True)
class SelfResult:
    """The evidence one self-query produced."""

    query: SelfQuery
    prepared: Query
    found: Candidates


def curated_queries(searcher: Searcher) -> list[SelfQuery]:
    """Every curated phrasing (not the names): procedure phrasings and FAQ questions."""
    out = []
    for index, doc in enumerate(searcher.docs):
        first = int(searcher.doc_start[index])
        topics = doc.topics or [None] * len(doc.texts)
        for offset, text in enumerate(doc.texts[1:], start=1):
            out.append(
                SelfQuery(
                    text=text,
                    doc=index,
                    row=first + offset,
                    topic=topics[offset],
                    group=doc.key,
                )
            )
    return out


def outside_queries(lines: list[tuple[str, str]]) -> list[SelfQuery]:
    """Every out-of-scope line, grouped by category."""
    return [
        SelfQuery(text=text, doc=-1, row=i, topic=None, group=f"outside:{category}")
        for i, (category, text) in enumerate(lines)
    ]


def broad_queries(texts: list[str]) -> list[SelfQuery]:
    """Broad questions (``bot.search.broad``): not in any index, so nothing is left out."""
    return [SelfQuery(text=text, doc=-1, row=-1, topic=None, group="broad") for text in texts]


def query_vectors(
    searcher: Searcher,
    prepared: list[Query],
    cache_dir: Path,
    model_name: str,
    progress: Progress | None = None,
) -> np.ndarray:
    """Query vectors of ``prepared`` questions, embedding only those not cached yet."""
    cache = VectorCache(cache_dir, model_name, searcher.query_prompt)
    texts = [p.dense_text for p in prepared]
    missing = list(dict.fromkeys(t for t in texts if VectorCache.key(t) not in cache.vectors))
    for start in range(0, len(missing), EMBED_BATCH):
        chunk = missing[start : start + EMBED_BATCH]
        for text, vector in zip(
            chunk, encode(searcher.model, chunk, searcher.query_prompt), strict=True
        ):
            cache.vectors[VectorCache.key(text)] = vector
        if progress:
            progress("Embedding questions", min(start + EMBED_BATCH, len(missing)), len(missing))
    cache.save(set(cache.vectors))
    return np.stack([cache.vectors[VectorCache.key(t)] for t in texts])


def self_search(
    searcher: Searcher,
    queries: list[SelfQuery],
    cache_dir: Path,
    model_name: str,
    progress: Progress | None = None,
) -> list[SelfResult]:
    """Candidates of every query with its own row left out."""
    prepared = [searcher.prepare(q.text) for q in queries]
    vectors = query_vectors(searcher, prepared, cache_dir, model_name, progress)
    results = []
    for n, (query, ready, vector) in enumerate(zip(queries, prepared, vectors, strict=True)):
        if query.row < 0:
            found = searcher.candidates(ready, vector)
        elif query.doc < 0:
            found = searcher.candidates(ready, vector, exclude_outside=query.row)
        else:
            found = searcher.candidates(ready, vector, exclude=np.array([query.row]))
        results.append(SelfResult(query=query, prepared=ready, found=found))
        if progress and (n % 200 == 0 or n + 1 == len(queries)):
            progress("Searching", n + 1, len(queries))
    return results
