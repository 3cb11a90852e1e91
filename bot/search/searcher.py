"""The search library used by the actions: ``Searcher.load(settings)`` once, then ``search()``."""

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
from bot.search.agencies import agency_fit, agency_words, find_agency, strip_agency
from bot.search.build import read_manifest
from bot.search.config import SearchConfig, Thresholds
from bot.search.documents import SearchDoc, entry_for
from bot.search.embedder import encode, load_model
from bot.search.lexical import LexicalIndex
from bot.search.noise import strip_noise
from bot.search.normalize import clean, fold, is_accentless
from bot.search.qualifiers import Qualifiers, unsaid_qualifier
from bot.search.rewrite import Rewriter
from bot.search.topics import detect_topic, strip_span
from bot.search.variants import asked_actions, name_actions, unasked

if TYPE_CHECKING:
    from bot.settings import Settings

Decision = Literal["answer", "clarify", "none"]
MAX_QUERY_CHARS = 1000
DENSE_MAX_WORDS = 32
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


class Signals(BaseModel):
    """Raw evidence behind a decision (used for calibration)."""

    best_lexical: float = Field(description="Best BM25 over the query's token mass (0–1)")
    best_dense: float
    margin: float
    off_domain: bool = Field(
        False, description="Uses an out-of-scope word that the best match does not explain"
    )
    intent: bool = Field(False, description="Asks for a procedure: a topic or an intent word")
    vague: bool = Field(
        False, description="A few words that several procedure names contain, none exactly"
    )


def _word_pattern(phrase: str) -> re.Pattern[str]:
    """Whole-word, accent-insensitive pattern of ``phrase`` over folded text."""
    return re.compile(rf"(?<![0-9a-z]){re.escape(fold(phrase))}(?![0-9a-z])")


def is_weak(signals: Signals, thresholds: Thresholds) -> bool:
    """Whether the evidence is too weak to answer (thresholds by whether a procedure is asked)."""
    if signals.intent:
        return (
            signals.best_lexical < thresholds.none_lexical_intent
            and signals.best_dense < thresholds.none_dense_intent
        )
    return (
        signals.best_lexical < thresholds.none_lexical
        and signals.best_dense < thresholds.none_dense
    )


def _tail(text: str) -> str:
    """The last words of a long question: it ends with what it asks, and short inputs embed fast."""
    words = text.split()
    return " ".join(words[-DENSE_MAX_WORDS:])


VAGUE_MAX_WORDS = 3
VAGUE_MIN_FITS = 3


def _content_syllables(text: str) -> set[str]:
    return {t for t in fold(text).split() if t not in _STOP}


class Searcher:
    """Hybrid search (BM25 + FAISS) over a built index, with a topic and a decision per query."""

    def __init__(
        self,
        docs: list[SearchDoc],
        lexical: LexicalIndex,
        vectors: faiss.Index,
        owners: np.ndarray,
        model: SentenceTransformer,
        query_prompt: str,
        synonyms: SynonymList,
        config: SearchConfig,
    ) -> None:
        self.docs = docs
        self.lexical = lexical
        self.vectors = vectors
        self.owners = owners
        self.model = model
        self.query_prompt = query_prompt
        self.rewriter = Rewriter(synonyms)
        self.config = config
        encode(self.model, ["khởi động"], self.query_prompt)  # warm-up: first call is slow
        self._keys = {doc.key: i for i, doc in enumerate(docs)}
        self._faq_rows = np.array(
            [i for i, doc in enumerate(docs) if doc.kind == "faq"], dtype=np.int64
        )
        self._syllables = [[_content_syllables(t) for t in doc.texts] for doc in docs]
        self._actions = [
            name_actions(doc.title) if doc.kind == "procedure" else None for doc in docs
        ]
        self._qualifiers = Qualifiers(config.qualifiers, config.field_qualifiers)
        self._name_qualifiers = [
            self._qualifiers.of_name(doc.title, doc.field)
            if doc.kind == "procedure"
            else frozenset()
            for doc in docs
        ]
        self._agencies = [agency_words(doc.agency, doc.field, config.field_tags) for doc in docs]
        self._folded = [f" {' '.join(fold(t) for t in doc.texts)} " for doc in docs]
        self._off_domain = [_word_pattern(term) for term in config.out_of_scope]
        self._intent = [_word_pattern(word) for word in config.intent_words]

    @classmethod
    def open(cls, index_dir: Path, query_prompt: str, config: SearchConfig) -> Searcher:
        """Load a built index from ``index_dir`` (and its embedding model)."""
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
            model=load_model(manifest.model),
            query_prompt=query_prompt,
            synonyms=synonyms,
            config=config,
        )

    @classmethod
    def load(cls, settings: Settings) -> Searcher:
        """Load the current index named by ``settings`` (building it first when missing or stale)."""
        from bot.search.service import open_searcher

        return open_searcher(settings)

    def _lexical_scores(self, text: str) -> np.ndarray:
        """Best BM25 score of each document's texts (name or one curated phrasing)."""
        scores = np.zeros(len(self.docs), dtype=np.float32)
        np.maximum.at(scores, self.owners, self.lexical.scores(text))
        return scores

    def _dense_scores(self, *texts: str) -> list[np.ndarray]:
        """Best cosine of each document's vectors, for each text (embedded in one batch)."""
        results = [np.full(len(self.docs), -1.0, dtype=np.float32) for _ in texts]
        if self.vectors.ntotal == 0:
            return results
        queries = encode(self.model, [_tail(t) for t in texts], self.query_prompt)
        k = min(self.vectors.ntotal, self.config.candidates * 8)
        sims, rows = self.vectors.search(queries, k)
        for scores, sim_row, row_ids in zip(results, sims, rows, strict=True):
            np.maximum.at(scores, self.owners[row_ids], sim_row)
        return results

    def _coverage(self, index: int, query_syllables: set[str]) -> tuple[float, float]:
        """Best share of a text's words found in the query, and (for it) the share left unsaid.

        The second value grows with the words of a long, specific name the question does not use,
        so that a plain question gets the plain procedure rather than a specific sibling.
        """
        best = (0.0, 1.0)
        for syllables in self._syllables[index]:
            if syllables:
                found = len(syllables & query_syllables)
                candidate = (found / len(syllables), min(1.0, (len(syllables) - found) / 12))
                best = max(best, candidate, key=lambda pair: pair[0] - pair[1])
        return best

    def rank(
        self, query: str, procedure_hint: str | None = None
    ) -> tuple[list[tuple[int, float]], str | None, Signals]:
        """Candidate documents with their final scores (best first), the topic and the signals."""
        text = clean(query)[:MAX_QUERY_CHARS]
        rewritten = self.rewriter.rewrite(text)
        match = detect_topic(rewritten.text)
        accentless = is_accentless(text)
        asked_topic = strip_span(rewritten.text, match)
        office = find_agency(asked_topic, accentless)
        retrieval = strip_noise(strip_agency(asked_topic, office), accentless)
        extra = " ".join(rewritten.replaced)
        lexical = self._lexical_scores(f"{retrieval} {extra}")
        fits = np.zeros(len(self.docs), dtype=np.float32)
        if office is not None:
            fits[:] = [agency_fit(office, words) for words in self._agencies]
        (dense,) = self._dense_scores(retrieval)
        if match is not None and match.spans and self._faq_rows.size:
            # FAQ questions contain topic words ("nộp online", "tra cứu ở đâu"): match them unstripped.
            full = strip_noise(rewritten.text, accentless)
            unstripped = self._lexical_scores(f"{full} {extra}")[self._faq_rows]
            lexical[self._faq_rows] = np.maximum(
                lexical[self._faq_rows], self.config.weights.faq_topic_words * unstripped
            )
        n = self.config.candidates
        candidates = set(np.argsort(-lexical)[:n].tolist()) | set(np.argsort(-dense)[:n].tolist())
        if office is not None:
            # Procedures of the named office join the candidates even when many siblings outrank them.
            candidates |= set(np.argsort(-(lexical * (fits >= 0.5)))[:n].tolist())
        if procedure_hint in self._keys:
            candidates.add(self._keys[procedure_hint])
        best_lexical = float(lexical.max()) if len(lexical) else 0.0
        mass = min(self.lexical.query_mass(f"{retrieval} {extra}"), self.config.mass_cap)
        best_dense = float(dense.max()) if len(dense) else 0.0
        cand = sorted(candidates)
        dense_c = dense[cand]
        scale = self.config.cosine
        weights = self.config.weights
        query_syllables = _content_syllables(rewritten.text) | _content_syllables(text)
        asked = asked_actions(text)
        said = self._qualifiers.said(text, rewritten.text)
        scored = []
        for i, d in zip(cand, dense_c, strict=True):
            coverage, unsaid = self._coverage(i, query_syllables)
            score = (
                weights.lexical * (lexical[i] / best_lexical if best_lexical > 0 else 0.0)
                + weights.dense * max(0.0, (d - scale.floor) / scale.span)
                + weights.coverage * coverage
                - weights.unsaid * unsaid
                + weights.preferred * self.docs[i].preferred
                - weights.variant * self._unasked(i, asked)
                - weights.qualifier * unsaid_qualifier(self._name_qualifiers[i], said)
                + weights.agency * fits[i]
            )
            if procedure_hint and self.docs[i].key == procedure_hint:
                score += weights.hint
            scored.append((i, float(score)))
        scored.sort(key=lambda item: -item[1])
        margin = scored[0][1] - scored[1][1] if len(scored) > 1 else 1.0
        folded = fold(text)
        signals = Signals(
            best_lexical=min(1.0, best_lexical / mass) if mass > 0 else 0.0,
            best_dense=best_dense,
            margin=margin,
            off_domain=self._unexplained_off_domain(folded, scored[0][0]),
            intent=match is not None or any(p.search(folded) for p in self._intent),
            vague=self._vague(text, _content_syllables(retrieval), scored),
        )
        return scored, match.topic if match else None, signals

    def _vague(self, text: str, asked: set[str], scored: list[tuple[int, float]]) -> bool:
        """Whether a short question ("chứng thực", "sổ đỏ") fits several procedures equally.

        True when the question has at most ``VAGUE_MAX_WORDS`` words besides its topic, its words
        (synonyms applied) all stand in the names of at least ``VAGUE_MIN_FITS`` of the top
        candidates, and no name or alias of the best one is the question's words plus at most one.
        """
        said = _content_syllables(strip_noise(strip_span(text, detect_topic(text))))
        if not asked or len(said) > VAGUE_MAX_WORDS:
            return False
        top = [i for i, _ in scored[:10] if self.docs[i].kind == "procedure"]
        fits = [i for i in top if any(asked <= name for name in self._syllables[i])]
        unsaid = [len(t - asked) for t in self._syllables[scored[0][0]] if asked <= t]
        return len(fits) >= VAGUE_MIN_FITS and min(unsaid, default=len(asked)) >= 2

    def _unasked(self, index: int, asked: frozenset[str]) -> float:
        """1.0 for a procedure whose action (cấp lại, gia hạn…) the question does not suggest."""
        actions = self._actions[index]
        return unasked(actions, asked) if actions is not None else 0.0

    def _unexplained_off_domain(self, folded: str, best: int) -> bool:
        """Whether the (folded) question uses an out-of-scope word the best document lacks."""
        return any(
            pattern.search(folded) and not pattern.search(self._folded[best])
            for pattern in self._off_domain
        )

    def decide(self, signals: Signals) -> Decision:
        """``none`` on weak evidence, ``clarify`` when the top two are close, else ``answer``."""
        thresholds = self.config.thresholds
        if signals.off_domain or is_weak(signals, thresholds):
            return "none"
        if signals.margin < thresholds.clarify_margin or signals.vague:
            return "clarify"
        return "answer"

    def search(self, query: str, k: int = 5, procedure_hint: str | None = None) -> SearchResult:
        """Ranked hits, topic and decision for ``query``; empty or wordless input gives ``none``."""
        if not _HAS_WORD.search(clean(query)) or not self.docs:
            return SearchResult(decision="none", hits=[], topic=None)
        scored, topic, signals = self.rank(query, procedure_hint)
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
        return SearchResult(decision=self.decide(signals), hits=hits, topic=topic)
