"""Search every curated phrasing (and out-of-scope line) with itself left out of the index, every
vague question with the phrasing it was sharpened into left out, and the broad questions as they are.

This is the training data of the ranker, the gate and the confidence model, and the self-retrieval
audit of the corpus: a phrasing searched as if it were a new question must find its own procedure.
Query vectors are read from the query cache, where the index build has put every phrasing's and
out-of-scope line's as read without the topic model (``bot.search.build``): training embeds only
the broad and vague questions; what else is missing (a question read with the topic model) is
embedded once. The searches themselves are spread over worker processes forked from this one (they share its
index), each searching one thread at a time; the results are in the order of the queries.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.knowledge.vague_questions import VAGUE_FILE, VagueQuestion
from bot.search.build import VectorCache
from bot.search.embedder import encode
from bot.search.evidence import Candidates
from bot.search.query import Query
from bot.search.searcher import Searcher
from bot.search.service import pin_threads

Progress = Callable[[str, int, int], None]
EMBED_BATCH = 64
SEARCH_CHUNK = 400  # queries a worker searches per task (and between two progress updates)
OUTSIDE_GROUP = "outside:"  # an out-of-scope line's cross-validation group: this and its category


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


def vague_queries(searcher: Searcher, questions: list[VagueQuestion]) -> list[SelfQuery]:
    """Every vague question, searched with its sharpened wording left out of the index.

    Raises ``ValueError`` when a sharpened wording is no longer a phrasing of its entry: searched
    beside it, the vague question would find its own paraphrase.
    """
    phrasings = {(q.group, q.text): q for q in curated_queries(searcher)}
    out = []
    for question in questions:
        sharpened = phrasings.get((question.entry, question.sharpened))
        if sharpened is None:
            raise ValueError(
                f"{VAGUE_FILE}: '{question.sharpened}' is not a phrasing of {question.entry} any"
                f" more; write its new wording under `sharpened:` of '{question.text}'"
            )
        out.append(
            SelfQuery(
                text=question.text,
                doc=sharpened.doc,
                row=sharpened.row,
                topic=None,
                group=question.entry,
            )
        )
    return out


def outside_queries(lines: list[tuple[str, str]]) -> list[SelfQuery]:
    """Every out-of-scope line, grouped by category."""
    return [
        SelfQuery(text=text, doc=-1, row=i, topic=None, group=f"{OUTSIDE_GROUP}{category}")
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
    workers: int = 1,
) -> list[SelfResult]:
    """Candidates of every query with its own row left out, searched by ``workers`` processes."""
    prepared = [searcher.prepare(q.text) for q in queries]
    vectors = query_vectors(searcher, prepared, cache_dir, model_name, progress)
    work = _Work(searcher, queries, prepared, vectors)
    chunks = [
        (start, min(start + SEARCH_CHUNK, len(queries)))
        for start in range(0, len(queries), SEARCH_CHUNK)
    ]
    found: list[Candidates] = []
    for chunk in _map_chunks(work, chunks, workers):
        found.extend(chunk)
        if progress:
            progress("Searching", len(found), len(queries))
    return [
        SelfResult(query=query, prepared=ready, found=candidates)
        for query, ready, candidates in zip(queries, prepared, found, strict=True)
    ]


@dataclass(frozen=True)
class _Work:
    """What every search of one self-search run reads."""

    searcher: Searcher
    queries: list[SelfQuery]
    prepared: list[Query]
    vectors: np.ndarray

    def search(self, start: int, end: int) -> list[Candidates]:
        """Candidates of queries ``start``..``end`` with their own rows left out."""
        out = []
        for query, ready, vector in zip(
            self.queries[start:end], self.prepared[start:end], self.vectors[start:end], strict=True
        ):
            if query.row < 0:
                found = self.searcher.candidates(ready, vector)
            elif query.doc < 0:
                found = self.searcher.candidates(ready, vector, exclude_outside=query.row)
            else:
                found = self.searcher.candidates(ready, vector, exclude=np.array([query.row]))
            out.append(found)
        return out


_forked: _Work | None = None  # in a worker process: the run it searches


def _start_worker(work: _Work) -> None:
    """A forked worker keeps the run it was handed (inherited, not pickled) and one thread."""
    global _forked
    _forked = work
    pin_threads()


def _search_forked(bounds: tuple[int, int]) -> list[Candidates]:
    assert _forked is not None, "self-search worker started without its work"
    return _forked.search(*bounds)


def _map_chunks(
    work: _Work, chunks: list[tuple[int, int]], workers: int
) -> Iterator[list[Candidates]]:
    """Each chunk's candidates, in order: here when one worker (or one chunk), else forked."""
    if workers <= 1 or len(chunks) <= 1:
        yield from (work.search(*bounds) for bounds in chunks)
        return
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(work,),
    ) as pool:
        yield from pool.map(_search_forked, chunks)
