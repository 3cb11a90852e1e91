"""The search library used by the actions: ``Searcher.load(settings)`` once, then ``search()``.

A question is cleaned and rewritten (synonyms, shorthands), scored against every row of the index
(procedure names, FAQ titles and the curated phrasings) by BM25 and by cosine similarity, and the
best documents become candidates. Each candidate gets a row of :data:`~bot.search.features.RANK_FEATURES`; the learned
ranker orders them, the scope gate says whether the question is in scope at all, the confidence
model whether the best candidate can be answered or the closest ones offered as choices, and the
topic classifier which part of the procedure is asked. See ``docs/search.md``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import faiss
import numpy as np
from pydantic import BaseModel, Field
from sentence_transformers import SentenceTransformer

from bot.knowledge.synonyms import SynonymList
from bot.metrics import observe_search
from bot.search.broad import broad_questions
from bot.search.build import OUTSIDE_DIR, OUTSIDE_LINES, read_manifest
from bot.search.config import SearchConfig
from bot.search.diacritics import DiacriticRestorer
from bot.search.documents import SearchDoc, entry_for
from bot.search.embedder import encode, load_model, same_vectors
from bot.search.evidence import Candidates, Evidence, query_row
from bot.search.lexical import LexicalIndex
from bot.search.models import SearchModels
from bot.search.normalize import clean
from bot.search.query import Query, QueryPreparer, content_syllables
from bot.search.topics import NameRuns, strip_name

if TYPE_CHECKING:
    from bot.settings import Settings

Decision = Literal["answer", "guess", "clarify", "none"]
_HAS_WORD = re.compile(r"\w", re.UNICODE)


class Hit(BaseModel):
    """One ranked answer candidate."""

    entry: str = Field(description="Entry id, e.g. '1.001193:ho_so' or 'faq:tai_khoan'")
    procedure: str | None = Field(description="Procedure base code (None for a FAQ)")
    topic: str | None
    score: float
    title: str


class SearchResult(BaseModel):
    """Ranked hits, the detected topic and what the assistant should do with them."""

    decision: Decision
    hits: list[Hit]
    topic: str | None = None
    confidence: float | None = Field(
        None, description="Probability the best candidate is right (the confidence model)"
    )
    topics: list[str] = Field(
        default_factory=list,
        description='Every topic asked, ``topic`` first ("cần giấy tờ gì, nộp ở đâu" asks two)',
    )


class Signals(BaseModel):
    """What the decision was based on (shown by ``isee kb search --explain``)."""

    in_scope: float = Field(description="Scope gate: probability the question is in scope")
    confidence: float = Field(description="Probability that the best candidate is right")
    best_lexical: float = Field(description="Best BM25 over the query's IDF mass")
    best_dense: float
    outside_dense: float = Field(description="Best cosine to the out-of-scope corpus")
    margin: float = Field(description="Ranker score gap between the two best candidates")
    content_words: int = Field(description="Words left once topic words and fillers are removed")
    broad: bool = Field(
        description=(
            "The question only names a kind of procedure or a field that many procedures share"
            " ('cấp lại', 'đất đai': bot.search.broad)"
        )
    )


class Searcher:
    """Hybrid retrieval (BM25 + FAISS) with a learned ranker, scope gate and topic classifier.

    Questions are prepared by ``bot.search.query``, their evidence gathered by
    ``bot.search.evidence``; the searcher ranks the candidates and decides.
    """

    def __init__(
        self,
        docs: list[SearchDoc],
        lexical: LexicalIndex,
        vectors: faiss.IndexFlatIP,
        owners: np.ndarray,
        outside_lexical: LexicalIndex,
        outside_vectors: faiss.IndexFlatIP,
        model: SentenceTransformer,
        embedding_model: str,
        query_prompt: str,
        synonyms: SynonymList,
        config: SearchConfig,
        models: SearchModels | None,
        outside_texts: list[str],
    ) -> None:
        if models is not None and not same_vectors(models.card.embedding_model, embedding_model):
            raise ValueError(
                f"the search models were trained on {models.card.embedding_model!r} vectors and"
                f" the index holds {embedding_model!r} vectors: run `isee kb train-ranker`"
            )
        self.docs = docs
        self.model = model
        self.embedding_model = embedding_model
        self.query_prompt = query_prompt
        self.config = config
        self.models = models
        restorer = DiacriticRestorer.of_index(docs, outside_texts, config)
        self.preparer = QueryPreparer.of_index(
            docs, lexical, restorer, outside_lexical, synonyms, config
        )
        qualifiers = self.preparer.qualifiers
        self._name_runs: dict[int, NameRuns] = {}
        self._broad = frozenset(
            content_syllables(text, self.preparer.stop_words)
            for text in broad_questions(docs, config.broad_questions)
        )
        self.evidence = Evidence(
            docs, lexical, vectors, owners, outside_lexical, outside_vectors, config, qualifiers
        )
        encode(self.model, ["khởi động"], self.query_prompt)  # warm-up: first call is slow

    @property
    def doc_start(self) -> np.ndarray:
        """Index row of each document's first text (its name or title)."""
        return self.evidence.doc_start

    @classmethod
    def open(
        cls,
        index_dir: Path,
        query_prompt: str,
        config: SearchConfig,
        models: SearchModels | None,
    ) -> Searcher:
        """Load a built index from ``index_dir`` (and its embedding model).

        ``models`` may be ``None`` only to gather training evidence (``candidates``): ranking
        needs them.
        """
        manifest = read_manifest(index_dir)
        docs = [
            SearchDoc.model_validate(d)
            for d in json.loads((index_dir / "documents.json").read_text(encoding="utf-8"))
        ]
        synonyms = SynonymList.model_validate_json(
            (index_dir / "synonyms.json").read_text(encoding="utf-8")
        )
        return cls(
            docs=docs,
            lexical=LexicalIndex.load(index_dir),
            vectors=faiss.read_index(str(index_dir / "vectors.faiss")),
            owners=np.load(index_dir / "owners.npy"),
            outside_lexical=LexicalIndex.load(index_dir / OUTSIDE_DIR),
            outside_vectors=faiss.read_index(str(index_dir / OUTSIDE_DIR / "vectors.faiss")),
            model=load_model(manifest.model),
            embedding_model=manifest.model,
            query_prompt=query_prompt,
            synonyms=synonyms,
            config=config,
            models=models,
            outside_texts=[
                text
                for _, text in json.loads(
                    (index_dir / OUTSIDE_DIR / OUTSIDE_LINES).read_text(encoding="utf-8")
                )
            ],
        )

    @classmethod
    def load(cls, settings: Settings) -> Searcher:
        """Load the current index named by ``settings`` (building it first when missing or stale)."""
        from bot.search.service import open_searcher

        return open_searcher(settings)

    # --- preparing a question and gathering its evidence ----------------------------------

    def prepare(self, query: str) -> Query:
        """Clean, rewrite and strip ``query`` for retrieval (``bot.search.query``)."""
        return self.preparer.prepare(query, self.models.topics if self.models else None)

    def embed(self, prepared: list[Query]) -> np.ndarray:
        """Query vectors of prepared questions (of their ``dense_text``)."""
        return encode(self.model, [p.dense_text for p in prepared], self.query_prompt)

    def candidates(
        self,
        query: Query,
        vector: np.ndarray,
        procedure_hint: str | None = None,
        exclude: np.ndarray | None = None,
        exclude_outside: int | None = None,
    ) -> Candidates:
        """Candidate documents and their features (``bot.search.evidence``)."""
        return self.evidence.candidates(query, vector, procedure_hint, exclude, exclude_outside)

    def query_row(self, found: Candidates, scores: np.ndarray) -> np.ndarray:
        """The query-level features of ``found`` once the ranker has scored it."""
        return query_row(found, scores)

    # --- ranking and deciding ---------------------------------------------------------------

    def rank(
        self, query: str, procedure_hint: str | None = None
    ) -> tuple[list[tuple[int, float]], list[str], Signals]:
        """Candidate documents with their ranker scores (best first), the topics asked (the main
        one first; none for a general question) and the signals."""
        models = self.trained()
        prepared = self.prepare(query)
        (vector,) = self.embed([prepared])
        found = self.candidates(prepared, vector, procedure_hint)
        scores = models.rank(found.matrix)
        order = np.argsort(-scores, kind="stable")
        scored = [(int(found.docs[j]), float(scores[j])) for j in order]
        row = self.query_row(found, scores)
        signals = Signals(
            in_scope=models.in_scope(row, query),
            confidence=models.confident(row),
            best_lexical=found.best_lex_share,
            best_dense=found.best_dense,
            outside_dense=found.outside_dense,
            margin=float(scores[order[0]] - scores[order[1]]) if len(order) > 1 else 10.0,
            content_words=prepared.content_words,
            broad=self.is_broad(prepared),
        )
        return scored, self.topics_asked(prepared, scored[0][0]), signals

    def is_broad(self, prepared: Query) -> bool:
        """Whether the question's content words are exactly those of a broad question."""
        return bool(prepared.content) and prepared.content in self._broad

    def topics_asked(self, prepared: Query, top: int) -> list[str]:
        """The topics ``prepared`` asks, read without the words it shares with the name of ``top``,
        the procedure found: a formal question quoting the whole name asks only what is left."""
        models = self.trained()
        doc = self.docs[top]
        if doc.kind != "procedure":
            return list(prepared.topics)
        text = self.without_name(prepared.topic_text, top)
        if not _HAS_WORD.search(text):
            return []
        return self.preparer.topics_asked(text, models.topics)

    def without_name(self, text: str, doc: int) -> str:
        """``text`` (as the topic classifier reads it) without the runs of at least
        ``name_run_words`` words it shares with the name of document ``doc``."""
        if doc not in self._name_runs:
            name = self.preparer.topic_text(self.docs[doc].texts[0])
            self._name_runs[doc] = NameRuns.of(name, self.config.name_run_words)
        return strip_name(text, self._name_runs[doc])

    def trained(self) -> SearchModels:
        """The learned models; a clear error for a searcher opened only to gather evidence."""
        if self.models is None:
            raise RuntimeError("no search models loaded: run `isee kb train-ranker`")
        return self.models

    def decide(self, signals: Signals) -> Decision:
        """``clarify`` for a broad question (many procedures fit it, none is the answer), ``none``
        when the gate says out of scope, ``answer`` when sure, ``guess`` when unsure but the best
        match is likely enough to show before the other choices, else ``clarify``."""
        card = self.trained().card
        if signals.broad:
            return "clarify"
        if signals.in_scope < card.none_threshold:
            return "none"
        if signals.confidence >= card.clarify_threshold:
            return "answer"
        if signals.confidence >= card.guess_threshold:
            return "guess"
        return "clarify"

    @observe_search
    def search(self, query: str, k: int = 5, procedure_hint: str | None = None) -> SearchResult:
        """Ranked hits, topic and decision for ``query``; empty or wordless input gives ``none``."""
        if not _HAS_WORD.search(clean(query)) or not self.docs:
            return SearchResult(decision="none", hits=[], topic=None)
        scored, topics, signals = self.rank(query, procedure_hint)
        topic = topics[0] if topics else None
        decision = self.decide(signals)
        if self._follows_up(procedure_hint, topic, signals):
            hinted = self.evidence.keys[str(procedure_hint)]
            scored = [(hinted, scored[0][1])] + [item for item in scored if item[0] != hinted]
            decision = "answer"
        hits = []
        for i, score in scored[: max(k, 1)]:
            doc = self.docs[i]
            entry, entry_topic = entry_for(doc, topic)
            hits.append(
                Hit(
                    entry=entry,
                    procedure=doc.key if doc.kind == "procedure" else None,
                    topic=entry_topic,
                    score=round(score, 4),
                    title=doc.title,
                )
            )
        return SearchResult(
            decision=decision,
            hits=hits,
            topic=topic,
            topics=topics,
            confidence=round(signals.confidence, 4),
        )

    def _follows_up(self, procedure_hint: str | None, topic: str | None, signals: Signals) -> bool:
        """Whether a question asks a topic of the procedure the conversation is about.

        "thế lệ phí bao nhiêu", "mất mấy ngày" name a topic and nothing else: with the procedure of
        the conversation known, they ask about it. A question that names a subject of its own is
        ranked and gated like any other (the citizen may have moved on).
        """
        return (
            procedure_hint in self.evidence.keys
            and topic is not None
            and signals.content_words <= self.config.follow_up_max_words
        )
