"""The search library used by the actions: ``Searcher.load(settings)`` once, then ``search()``.

A question is cleaned and rewritten (synonyms, shorthands), scored against every row of the index
(procedure names, FAQ titles and the curated phrasings) by BM25 and by cosine similarity, and the
best documents become candidates. Each candidate gets a row of :data:`RANK_FEATURES`; the learned
ranker orders them, the scope gate says whether the question is in scope at all, the confidence
model whether the best candidate can be answered or the closest ones offered as choices, and the
topic classifier which part of the procedure is asked. See ``docs/search.md``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import faiss
import numpy as np
from pydantic import BaseModel, Field
from sentence_transformers import SentenceTransformer

from bot.knowledge.synonyms import SynonymList
from bot.metrics import observe_search
from bot.search.agencies import AgencyMention, agency_fit, agency_words, find_agency, strip_agency
from bot.search.build import OUTSIDE_DIR, read_manifest
from bot.search.config import SearchConfig
from bot.search.documents import SearchDoc, entry_for
from bot.search.embedder import encode, load_model
from bot.search.features import RANK_FEATURES, query_features, reciprocal_ranks
from bot.search.lexical import LexicalIndex
from bot.search.models import SearchModels
from bot.search.noise import strip_noise
from bot.search.normalize import clean, fold, is_accentless
from bot.search.qualifiers import Qualifiers, unsaid_qualifier
from bot.search.rewrite import Rewriter
from bot.search.topics import detect_topic, strip_span, strip_topics
from bot.search.variants import asked_actions, name_actions, unasked

if TYPE_CHECKING:
    from bot.settings import Settings

Decision = Literal["answer", "clarify", "none"]
MAX_QUERY_CHARS = 1000
DENSE_MAX_WORDS = 32
UNSAID_SCALE = 12
_HAS_WORD = re.compile(r"\w", re.UNICODE)
_STOP = frozenset(
    [
        "cho",
        "cua",
        "va",
        "cac",
        "doi",
        "voi",
        "tai",
        "trong",
        "truong",
        "hop",
        "thu",
        "tuc",
        "theo",
        "ve",
        "tu",
        "den",
        "nguoi",
        "hoac",
        "co",
        "la",
        "mot",
        "so",
    ]
)
_F = {name: i for i, name in enumerate(RANK_FEATURES)}


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


@dataclass(frozen=True)
class Query:
    """A question prepared for retrieval."""

    text: str
    retrieval: str  # without topic words, fillers and the office mention
    lexical_text: str  # retrieval text plus the words synonyms replaced
    topic_text: str  # rewritten text the topic classifier reads
    topics: tuple[str, ...]  # what the classifier reads it asks, the main topic first
    accentless: bool
    office: AgencyMention | None
    asked: frozenset[str]
    said: frozenset[int]
    syllables: frozenset[str]
    content_words: int


@dataclass(frozen=True)
class Candidates:
    """Candidate documents of one query, their feature rows and the query-wide evidence."""

    docs: np.ndarray
    matrix: np.ndarray
    best_lex_share: float
    best_dense: float
    outside_dense: float
    outside_lex_share: float


def _content_syllables(text: str) -> frozenset[str]:
    return frozenset(t for t in fold(text).split() if t not in _STOP)


def tail(text: str) -> str:
    """The last words of a long question: it ends with what it asks, and short inputs embed fast."""
    return " ".join(text.split()[-DENSE_MAX_WORDS:])


class Searcher:
    """Hybrid retrieval (BM25 + FAISS) with a learned ranker, scope gate and topic classifier."""

    def __init__(
        self,
        docs: list[SearchDoc],
        lexical: LexicalIndex,
        vectors: faiss.Index,
        owners: np.ndarray,
        outside_lexical: LexicalIndex,
        outside_vectors: faiss.Index,
        model: SentenceTransformer,
        query_prompt: str,
        synonyms: SynonymList,
        config: SearchConfig,
        models: SearchModels | None,
    ) -> None:
        self.docs = docs
        self.lexical = lexical
        self.vectors = vectors
        self.owners = owners
        self.outside_lexical = outside_lexical
        self.outside_vectors = outside_vectors
        self.model = model
        self.query_prompt = query_prompt
        self.rewriter = Rewriter(synonyms)
        self.config = config
        self.models = models
        self.doc_start = np.searchsorted(owners, np.arange(len(docs))).astype(np.int64)
        self.is_name = np.zeros(len(owners), dtype=bool)
        self.is_name[self.doc_start[self.doc_start < len(owners)]] = True
        encode(self.model, ["khởi động"], self.query_prompt)  # warm-up: first call is slow
        self._keys = {doc.key: i for i, doc in enumerate(docs)}
        self._syllables = [[_content_syllables(t) for t in doc.texts] for doc in docs]
        self._actions = [
            name_actions(doc.title) if doc.kind == "procedure" else None for doc in docs
        ]
        self._qualifiers = Qualifiers(config.qualifiers, config.field_qualifiers)
        separators = sorted(config.topic_clauses.separators, key=len, reverse=True)
        self._clause_split = re.compile(
            "|".join(
                rf"(?<!\w){re.escape(word)}(?!\w)" if word.isalnum() else re.escape(word)
                for word in separators
            ),
            re.IGNORECASE,
        )
        self._name_qualifiers = [
            self._qualifiers.of_name(doc.title, doc.field)
            if doc.kind == "procedure"
            else frozenset()
            for doc in docs
        ]
        self._agencies = [agency_words(doc.agency, doc.field, config.field_tags) for doc in docs]
        self._static = np.array(
            [(doc.preferred, doc.kind == "faq") for doc in docs], dtype=np.float32
        ).reshape(len(docs), 2)
        self._phrasings = np.array([len(doc.texts) - 1 for doc in docs], dtype=np.float32)

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
            query_prompt=query_prompt,
            synonyms=synonyms,
            config=config,
            models=models,
        )

    @classmethod
    def load(cls, settings: Settings) -> Searcher:
        """Load the current index named by ``settings`` (building it first when missing or stale)."""
        from bot.search.service import open_searcher

        return open_searcher(settings)

    # --- preparing a question -------------------------------------------------------------

    def prepare(self, query: str) -> Query:
        """Clean, rewrite and strip ``query`` for retrieval."""
        text = clean(query)[:MAX_QUERY_CHARS]
        rewritten = self.rewriter.rewrite(text)
        accentless = is_accentless(text)
        topics = self._topics_asked(rewritten.text)
        # The words naming what is asked are not matched; a question asking several topics
        # ("cần giấy tờ gì, lệ phí bao nhiêu") loses all of them, one asking one its last.
        if len(topics) > 1:
            asked_topic = strip_topics(rewritten.text)
        else:
            asked_topic = strip_span(rewritten.text, detect_topic(rewritten.text))
        office = find_agency(asked_topic, accentless)
        retrieval = strip_noise(strip_agency(asked_topic, office), accentless)
        return Query(
            text=text,
            retrieval=retrieval,
            lexical_text=f"{retrieval} {' '.join(rewritten.replaced)}",
            topic_text=rewritten.text,
            topics=tuple(topics),
            accentless=accentless,
            office=office,
            asked=asked_actions(text),
            said=self._qualifiers.said(text, rewritten.text),
            syllables=_content_syllables(rewritten.text) | _content_syllables(text),
            content_words=len(_content_syllables(retrieval)),
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        """Query vectors of prepared retrieval texts (the last words of long ones)."""
        return encode(self.model, [tail(t) for t in texts], self.query_prompt)

    # --- evidence ------------------------------------------------------------------------------

    def candidates(
        self,
        query: Query,
        vector: np.ndarray,
        procedure_hint: str | None = None,
        exclude: np.ndarray | None = None,
        exclude_outside: int | None = None,
    ) -> Candidates:
        """Candidate documents and their features; ``exclude`` rows are treated as absent.

        Training searches each curated phrasing with its own row excluded, so that the models
        learn from the same evidence a new question would produce.
        """
        lex_rows = self.lexical.scores(query.lexical_text).astype(np.float32)
        dense_rows = np.full(len(self.owners), -1.0, dtype=np.float32)
        if self.vectors.ntotal:
            sims, ids = self.vectors.search(vector.reshape(1, -1), self.vectors.ntotal)
            dense_rows[ids[0]] = sims[0]
        if exclude is not None and len(exclude):
            lex_rows[exclude] = 0.0
            dense_rows[exclude] = -1.0
        starts = self.doc_start
        lex_best = np.maximum.reduceat(lex_rows, starts)
        dense_best = np.maximum.reduceat(dense_rows, starts)
        lex_question = np.maximum.reduceat(np.where(self.is_name, 0.0, lex_rows), starts)
        dense_question = np.maximum.reduceat(np.where(self.is_name, -1.0, dense_rows), starts)
        lex_name, dense_name = lex_rows[starts], dense_rows[starts]

        mass = min(self.lexical.query_mass(query.lexical_text), self.config.mass_cap)
        top_lex = float(lex_best.max()) if len(lex_best) else 0.0
        top_dense = float(dense_best.max()) if len(dense_best) else -1.0
        n = self.config.candidates
        chosen = set(np.argsort(-lex_best, kind="stable")[:n].tolist())
        chosen |= set(np.argsort(-dense_best, kind="stable")[:n].tolist())
        fits = np.zeros(len(self.docs), dtype=np.float32)
        if query.office is not None:
            fits[:] = [agency_fit(query.office, words) for words in self._agencies]
            # Procedures of the named office join the candidates even when siblings outrank them.
            chosen |= set(np.argsort(-(lex_best * (fits >= 0.5)), kind="stable")[:n].tolist())
        if procedure_hint in self._keys:
            chosen.add(self._keys[procedure_hint])
        docs = np.array(sorted(chosen), dtype=np.int64)
        excluded = set(exclude.tolist()) if exclude is not None else set()

        matrix = np.zeros((len(docs), len(RANK_FEATURES)), dtype=np.float32)
        scale = top_lex if top_lex > 0 else 1.0
        matrix[:, _F["lex_best"]] = lex_best[docs] / scale
        matrix[:, _F["lex_name"]] = lex_name[docs] / scale
        matrix[:, _F["lex_question"]] = lex_question[docs] / scale
        matrix[:, _F["lex_share"]] = np.minimum(lex_best[docs] / mass, 2.0) if mass > 0 else 0.0
        matrix[:, _F["dense_best"]] = dense_best[docs]
        matrix[:, _F["dense_name"]] = dense_name[docs]
        matrix[:, _F["dense_question"]] = dense_question[docs]
        matrix[:, _F["dense_gap"]] = dense_best[docs] - top_dense
        matrix[:, _F["lex_rank"]] = reciprocal_ranks(lex_best, docs)
        matrix[:, _F["dense_rank"]] = reciprocal_ranks(dense_best, docs)
        matrix[:, _F["agency"]] = fits[docs]
        matrix[:, _F["preferred"]] = self._static[docs, 0]
        matrix[:, _F["faq"]] = self._static[docs, 1]
        phrasings = self._phrasings[docs]
        if exclude is not None and len(exclude):
            left_out = np.bincount(self.owners[exclude], minlength=len(self.docs))[docs]
            phrasings = phrasings - left_out
        matrix[:, _F["phrasings"]] = np.log1p(phrasings)
        matrix[:, _F["accentless"]] = float(query.accentless)
        matrix[:, _F["words"]] = np.log1p(query.content_words)
        for row, i in enumerate(docs.tolist()):
            coverage, unsaid = self._coverage(i, query.syllables, excluded)
            matrix[row, _F["coverage"]] = coverage
            matrix[row, _F["unsaid"]] = unsaid
            actions = self._actions[i]
            matrix[row, _F["variant"]] = unasked(actions, query.asked) if actions else 0.0
            matrix[row, _F["qualifier"]] = unsaid_qualifier(self._name_qualifiers[i], query.said)
            matrix[row, _F["hint"]] = float(self.docs[i].key == procedure_hint)

        outside_dense = -1.0
        if self.outside_vectors.ntotal:
            k = min(self.outside_vectors.ntotal, 2)
            sims, ids = self.outside_vectors.search(vector.reshape(1, -1), k)
            kept = [s for s, j in zip(sims[0], ids[0], strict=True) if j != exclude_outside]
            outside_dense = float(kept[0]) if kept else -1.0
        outside_lex = self.outside_lexical.scores(query.lexical_text)
        if exclude_outside is not None and len(outside_lex):
            outside_lex[exclude_outside] = 0.0
        outside_mass = min(
            self.outside_lexical.query_mass(query.lexical_text), self.config.mass_cap
        )
        outside_share = (
            min(float(outside_lex.max()) / outside_mass, 2.0)
            if len(outside_lex) and outside_mass > 0
            else 0.0
        )
        return Candidates(
            docs=docs,
            matrix=matrix,
            best_lex_share=min(top_lex / mass, 2.0) if mass > 0 else 0.0,
            best_dense=top_dense,
            outside_dense=outside_dense,
            outside_lex_share=outside_share,
        )

    def _coverage(
        self, index: int, query_syllables: frozenset[str], excluded: set[int]
    ) -> tuple[float, float]:
        """Best share of a text's words found in the query, and (for it) the share left unsaid.

        The second value grows with the words of a long, specific name the question does not use,
        so that a plain question gets the plain procedure rather than a specific sibling.
        """
        best = (0.0, 1.0)
        first_row = int(self.doc_start[index])
        for offset, syllables in enumerate(self._syllables[index]):
            if syllables and first_row + offset not in excluded:
                found = len(syllables & query_syllables)
                candidate = (
                    found / len(syllables),
                    min(1.0, (len(syllables) - found) / UNSAID_SCALE),
                )
                best = max(best, candidate, key=lambda pair: pair[0] - pair[1])
        return best

    def query_row(self, found: Candidates, scores: np.ndarray) -> np.ndarray:
        """The query-level features of ``found`` once the ranker has scored it."""
        return query_features(
            scores,
            found.matrix,
            found.best_lex_share,
            found.best_dense,
            found.outside_dense,
            found.outside_lex_share,
        )

    # --- ranking and deciding ---------------------------------------------------------------

    def rank(
        self, query: str, procedure_hint: str | None = None
    ) -> tuple[list[tuple[int, float]], list[str], Signals]:
        """Candidate documents with their ranker scores (best first), the topics asked (the main
        one first; none for a general question) and the signals."""
        models = self.trained()
        prepared = self.prepare(query)
        (vector,) = self.embed([prepared.retrieval])
        found = self.candidates(prepared, vector, procedure_hint)
        scores = models.rank(found.matrix)
        order = np.argsort(-scores, kind="stable")
        scored = [(int(found.docs[j]), float(scores[j])) for j in order]
        row = self.query_row(found, scores)
        signals = Signals(
            in_scope=models.in_scope(row),
            confidence=models.confident(row),
            best_lexical=found.best_lex_share,
            best_dense=found.best_dense,
            outside_dense=found.outside_dense,
            margin=float(scores[order[0]] - scores[order[1]]) if len(order) > 1 else 10.0,
            content_words=prepared.content_words,
        )
        return scored, list(prepared.topics), signals

    def _topics_asked(self, text: str) -> list[str]:
        """The topics the classifier reads in ``text`` (none without trained models)."""
        if self.models is None:
            return []
        return self.models.topics.asked(
            text, self._clauses(text), self.config.topic_clauses.min_probability
        )

    def _clauses(self, text: str) -> list[str]:
        """The parts of a question between the separators of ``topic_clauses`` (two or more)."""
        parts = [part.strip() for part in self._clause_split.split(text)]
        clauses = [
            part for part in parts if len(part.split()) >= self.config.topic_clauses.min_words
        ]
        return clauses if len(clauses) > 1 else []

    def trained(self) -> SearchModels:
        """The learned models; a clear error for a searcher opened only to gather evidence."""
        if self.models is None:
            raise RuntimeError("no search models loaded: run `isee kb train-ranker`")
        return self.models

    def decide(self, signals: Signals) -> Decision:
        """``none`` when the gate says out of scope, ``clarify`` when unsure, else ``answer``."""
        card = self.trained().card
        if signals.in_scope < card.none_threshold:
            return "none"
        if signals.confidence < card.clarify_threshold:
            return "clarify"
        return "answer"

    @observe_search
    def search(self, query: str, k: int = 5, procedure_hint: str | None = None) -> SearchResult:
        """Ranked hits, topic and decision for ``query``; empty or wordless input gives ``none``."""
        if not _HAS_WORD.search(clean(query)) or not self.docs:
            return SearchResult(decision="none", hits=[], topic=None)
        scored, topics, signals = self.rank(query, procedure_hint)
        topic = topics[0] if topics else None
        decision = self.decide(signals)
        if self._follows_up(procedure_hint, topic, signals):
            hinted = self._keys[str(procedure_hint)]
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
            procedure_hint in self._keys
            and topic is not None
            and signals.content_words <= self.config.follow_up_max_words
        )
