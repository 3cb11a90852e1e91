"""The evidence for one prepared question: candidate documents and their feature rows.

Every row of the index (procedure names, FAQ titles, curated phrasings) is scored by BM25 and by
cosine similarity; the best documents become candidates, each with a row of :data:`RANK_FEATURES`,
and the query-wide evidence (best scores, closeness to the out-of-scope corpus) goes with them.
"""

from __future__ import annotations

from dataclasses import dataclass

import faiss
import numpy as np

from bot.search.agencies import AgencyIndex, agency_words
from bot.search.config import SearchConfig
from bot.search.documents import SearchDoc
from bot.search.features import RANK_FEATURES, query_features, reciprocal_ranks
from bot.search.lexical import LexicalIndex
from bot.search.negation import Negations, negated_share
from bot.search.qualifiers import Qualifiers, unsaid_qualifier
from bot.search.query import Query, content_syllables
from bot.search.variants import name_actions, unasked

_F = {name: i for i, name in enumerate(RANK_FEATURES)}
_CONTRAST = [
    _F[name]
    for name in (
        "contrast_name_own",
        "contrast_name_other",
        "contrast_text_own",
        "contrast_text_other",
    )
]


@dataclass(frozen=True)
class Candidates:
    """Candidate documents of one query, their feature rows and the query-wide evidence."""

    docs: np.ndarray
    matrix: np.ndarray
    best_lex_share: float
    best_dense: float
    outside_dense: float
    outside_lex_share: float
    best_whole_share: float
    outside_whole_share: float


class Evidence:
    """The index rows (lexical and dense, in scope and out of scope) and what is known of each
    document ahead of any question, turned into :class:`Candidates` for a prepared question."""

    def __init__(
        self,
        docs: list[SearchDoc],
        lexical: LexicalIndex,
        vectors: faiss.IndexFlatIP,
        owners: np.ndarray,
        outside_lexical: LexicalIndex,
        outside_vectors: faiss.IndexFlatIP,
        config: SearchConfig,
        qualifiers: Qualifiers,
    ) -> None:
        self.docs = docs
        self.lexical = lexical
        self.vectors = vectors
        self.owners = owners
        self.outside_lexical = outside_lexical
        self.outside_vectors = outside_vectors
        self.config = config
        self.doc_start = np.searchsorted(owners, np.arange(len(docs))).astype(np.int64)
        self.is_name = np.zeros(len(owners), dtype=bool)
        self.is_name[self.doc_start[self.doc_start < len(owners)]] = True
        self.keys = {doc.key: i for i, doc in enumerate(docs)}
        stop_words = frozenset(config.stop_words)
        negations = Negations(config.negation)  # a phrasing is what it asks, not what it denies
        self._syllables = [
            [
                content_syllables(negations.row_text(t, at), stop_words)
                for at, t in enumerate(d.texts)
            ]
            for d in docs
        ]
        self._actions = [
            name_actions(doc.title) if doc.kind == "procedure" else None for doc in docs
        ]
        self._name_qualifiers = [
            qualifiers.of_name(doc.title, doc.field) if doc.kind == "procedure" else frozenset()
            for doc in docs
        ]
        self._agencies = AgencyIndex(
            [agency_words(doc.agency, doc.field, config.field_tags) for doc in docs]
        )
        self._static = np.array(
            [(doc.preferred, doc.kind == "faq") for doc in docs], dtype=np.float32
        ).reshape(len(docs), 2)
        self._bags = [frozenset().union(*texts) for texts in self._syllables]
        # Each index row's content words as ids, row after row (the coverage reads them).
        self._text_counts = np.array([len(doc.texts) for doc in docs], dtype=np.int64)
        self._word_ids: dict[str, int] = {}
        row_words = [
            [self._word_ids.setdefault(word, len(self._word_ids)) for word in sorted(words)]
            for texts in self._syllables
            for words in texts
        ]
        self._sizes = np.array([len(words) for words in row_words], dtype=np.int64)
        self._first_word = _starts(self._sizes)
        self._words = np.array([i for words in row_words for i in words], dtype=np.int64)
        # The sum of each document's phrasing vectors (its name left out) and their number.
        stored = _stored(vectors)
        self._phrasing_sums = (
            np.add.reduceat(stored, self.doc_start, axis=0) - stored[self.doc_start]
            if len(docs)
            else np.zeros((0, vectors.d), dtype=np.float32)
        )
        self._phrasing_counts = self._text_counts - 1

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
        lex_rows = self.lexical.scores(query.lexical_text)
        whole_rows = self.lexical.scores(query.whole_text)
        dense_rows = _cosines(self.vectors, vector)
        if exclude is not None and len(exclude):
            lex_rows[exclude] = 0.0
            whole_rows[exclude] = 0.0
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
        top_whole = float(whole_rows.max()) if len(whole_rows) else 0.0
        whole_mass = min(self.lexical.query_mass(query.whole_text), self.config.mass_cap)
        n = self.config.candidates
        lex_order = np.argsort(-lex_best, kind="stable")
        dense_order = np.argsort(-dense_best, kind="stable")
        chosen = set(lex_order[:n].tolist()) | set(dense_order[:n].tolist())
        fits = np.zeros(len(self.docs), dtype=np.float32)
        if query.office is not None:
            fits[:] = self._agencies.fits(query.office)
            # Procedures of the named office join the candidates even when siblings outrank them.
            chosen |= set(np.argsort(-(lex_best * (fits >= 0.5)), kind="stable")[:n].tolist())
        if procedure_hint in self.keys:
            chosen.add(self.keys[procedure_hint])
        docs = np.array(sorted(chosen), dtype=np.int64)
        excluded = set(exclude.tolist()) if exclude is not None else set()

        matrix = np.zeros((len(docs), len(RANK_FEATURES)), dtype=np.float32)
        scale = top_lex if top_lex > 0 else 1.0
        matrix[:, _F["lex_best"]] = lex_best[docs] / scale
        matrix[:, _F["lex_name"]] = lex_name[docs] / scale
        matrix[:, _F["lex_question"]] = lex_question[docs] / scale
        matrix[:, _F["lex_share"]] = _share(lex_best[docs], mass)
        matrix[:, _F["dense_best"]] = dense_best[docs]
        matrix[:, _F["dense_name"]] = dense_name[docs]
        matrix[:, _F["dense_question"]] = dense_question[docs]
        matrix[:, _F["dense_gap"]] = dense_best[docs] - top_dense
        matrix[:, _F["lex_rank"]] = reciprocal_ranks(lex_best, lex_order, docs)
        matrix[:, _F["dense_rank"]] = reciprocal_ranks(dense_best, dense_order, docs)
        matrix[:, _F["agency"]] = fits[docs]
        matrix[:, _F["preferred"]] = self._static[docs, 0]
        matrix[:, _F["faq"]] = self._static[docs, 1]
        matrix[:, _F["accentless"]] = float(query.accentless)
        matrix[:, _F["words"]] = np.log1p(query.content_words)
        matrix[:, _F["coverage"]], matrix[:, _F["unsaid"]] = self._coverage(
            docs, query.syllables, exclude
        )
        for row, i in enumerate(docs.tolist()):
            actions = self._actions[i]
            matrix[row, _F["variant"]] = unasked(actions, query.asked) if actions else 0.0
            matrix[row, _F["qualifier"]] = unsaid_qualifier(self._name_qualifiers[i], query.said)
            matrix[row, _F["hint"]] = float(self.docs[i].key == procedure_hint)
        matrix[:, _CONTRAST] = self._contrast(docs, matrix, query.syllables, excluded)
        matrix[:, _F["dense_votes"]] = self._votes(dense_rows, docs)
        matrix[:, _F["lex_votes"]] = self._votes(lex_rows, docs)
        matrix[:, _F["dense_second"]] = self._second(dense_rows, docs)
        centroid = self._centroid(vector, docs, excluded)
        matrix[:, _F["dense_centroid"]] = centroid
        matrix[:, _F["centroid_gap"]] = centroid - centroid.max()
        matrix[:, _F["negated_name"]] = negated_share(
            [self._syllables[i][0] for i in docs.tolist()],
            query.negated - query.syllables,
            self.lexical.token_idf,
        )

        outside = _cosines(self.outside_vectors, vector)
        if exclude_outside is not None:
            outside[exclude_outside] = -1.0
        outside_dense = float(outside.max()) if len(outside) else -1.0
        return Candidates(
            docs=docs,
            matrix=matrix,
            best_lex_share=float(_share(top_lex, mass)),
            best_dense=top_dense,
            outside_dense=outside_dense,
            outside_lex_share=self._outside_share(query.lexical_text, exclude_outside),
            best_whole_share=float(_share(top_whole, whole_mass)),
            outside_whole_share=self._outside_share(query.whole_text, exclude_outside),
        )

    def _outside_share(self, text: str, exclude: int | None) -> float:
        """How much of ``text`` the best out-of-scope line explains (BM25 over the IDF mass)."""
        scores = self.outside_lexical.scores(text)
        if not len(scores):
            return 0.0
        if exclude is not None:
            scores[exclude] = 0.0
        mass = min(self.outside_lexical.query_mass(text), self.config.mass_cap)
        return float(_share(float(scores.max()), mass))

    def _contrast(
        self,
        docs: np.ndarray,
        matrix: np.ndarray,
        query_syllables: frozenset[str],
        excluded: set[int],
    ) -> np.ndarray:
        """The four contrast features of every candidate (see ``RANK_FEATURES``).

        The rivals are the candidates ranked among the best ``rivals`` by BM25 or by cosine. The
        question's words found in some rivals' names (texts) but not in all of them are the words
        that tell them apart; each candidate gets the IDF share of those it holds and of those
        only others hold. Rows left out of the index (training) are left out of the texts too.
        """
        limit = 1.0 / (1.0 + self.config.rivals)
        rivals = np.flatnonzero(
            (matrix[:, _F["lex_rank"]] > limit) | (matrix[:, _F["dense_rank"]] > limit)
        )
        names = [self._syllables[i][0] if self._syllables[i] else frozenset() for i in docs]
        texts = [self._texts_of(i, excluded) for i in docs.tolist()]
        mass = sum(self.lexical.token_idf(word) for word in query_syllables) or 1.0
        out = np.zeros((len(docs), 4), dtype=np.float32)
        for column, sets in ((0, names), (2, texts)):
            chosen = [sets[r] for r in rivals]
            if len(chosen) < 2:
                continue
            telling = (query_syllables & frozenset().union(*chosen)) - frozenset.intersection(
                *chosen
            )
            idf = {word: self.lexical.token_idf(word) for word in telling}
            for row, words in enumerate(sets):
                own = sum(idf[word] for word in telling & words)
                other = sum(idf[word] for word in telling - words)
                out[row, column] = own / mass
                out[row, column + 1] = other / mass
        return out

    def _votes(self, row_scores: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """Share of the ``neighbours`` best-scoring rows that belong to each of ``docs`` (rows
        scoring nothing, or left out, do not vote)."""
        k = min(self.config.neighbours, len(row_scores))
        if k == 0:
            return np.zeros(len(docs), dtype=np.float32)
        nearest = np.argpartition(-row_scores, k - 1)[:k]
        nearest = nearest[row_scores[nearest] > 0]
        counts = np.bincount(self.owners[nearest], minlength=len(self.docs))
        return (counts[docs] / k).astype(np.float32)

    def _second(self, dense_rows: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """Second-best cosine of each document's rows (-1 for a document with one row)."""
        out = np.full(len(docs), -1.0, dtype=np.float32)
        for row, i in enumerate(docs.tolist()):
            first = int(self.doc_start[i])
            own = dense_rows[first : first + len(self.docs[i].texts)]
            if len(own) > 1:
                out[row] = np.partition(own, len(own) - 2)[len(own) - 2]
        return out

    def _centroid(self, vector: np.ndarray, docs: np.ndarray, excluded: set[int]) -> np.ndarray:
        """Cosine of ``vector`` with the mean of each document's phrasing vectors (rows left
        out do not count; -1 for a document with no phrasing left)."""
        sums = self._phrasing_sums[docs]
        counts = self._phrasing_counts[docs]
        if excluded:  # training only: a served question leaves no row out
            position = {doc: row for row, doc in enumerate(docs.tolist())}
            stored = _stored(self.vectors)
            for row in excluded:
                at = position.get(int(self.owners[row]))
                if at is not None and not self.is_name[row]:
                    sums[at] -= stored[row]
                    counts[at] -= 1
        norms = np.linalg.norm(sums, axis=1)
        usable = (counts > 0) & (norms > 0)
        cosines = (sums @ np.asarray(vector, dtype=np.float32)) / np.where(usable, norms, 1.0)
        return np.where(usable, cosines, -1.0).astype(np.float32)

    def _texts_of(self, index: int, excluded: set[int]) -> frozenset[str]:
        """Every content word of a document's texts, without the rows left out."""
        first = int(self.doc_start[index])
        texts = self._syllables[index]
        if not excluded or not any(first <= row < first + len(texts) for row in excluded):
            return self._bags[index]
        return frozenset().union(
            *(words for offset, words in enumerate(texts) if first + offset not in excluded)
        )

    def _coverage(
        self, docs: np.ndarray, query_syllables: frozenset[str], exclude: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each of ``docs``, the best share of one of its texts' words found in the query,
        and (for that text) the share left unsaid.

        The second value grows with the words of a long, specific name the question does not use,
        so that a plain question gets the plain procedure rather than a specific sibling. The best
        text is the one whose share minus unsaid share is highest (the first such text on a tie);
        texts without content words and rows left out do not count; a document with no text that
        counts gets (0, 1).
        """
        lengths = self._text_counts[docs]
        starts = _starts(lengths)
        rows = np.repeat(self.doc_start[docs] - starts, lengths) + np.arange(lengths.sum())
        counts = self._sizes[rows]
        words = self._words[
            np.repeat(self._first_word[rows] - _starts(counts), counts) + np.arange(counts.sum())
        ]
        asked = np.zeros(len(self._word_ids), dtype=np.float64)
        asked[[self._word_ids[word] for word in query_syllables if word in self._word_ids]] = 1.0
        found = np.bincount(
            np.repeat(np.arange(len(rows)), counts), weights=asked[words], minlength=len(rows)
        )
        sizes = counts.astype(np.float64)
        counted = sizes > 0
        if exclude is not None and len(exclude):
            counted &= ~np.isin(rows, exclude)
        share = np.divide(found, sizes, out=np.zeros_like(sizes), where=counted)
        unsaid = np.minimum(1.0, (sizes - found) / self.config.unsaid_scale)
        gap = np.where(counted, share - unsaid, -np.inf)
        best_gap = np.maximum.reduceat(gap, starts)
        first = np.minimum.reduceat(
            np.where(gap == np.repeat(best_gap, lengths), np.arange(len(gap)), len(gap)), starts
        )
        some = best_gap > -1.0
        picked = np.where(some, first, 0)
        return np.where(some, share[picked], 0.0), np.where(some, unsaid[picked], 1.0)


def _starts(lengths: np.ndarray) -> np.ndarray:
    """Where each of consecutive runs of ``lengths`` items starts."""
    return np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)


def _stored(index: faiss.IndexFlatIP) -> np.ndarray:
    """The flat index's vectors, one row per index row (a view of its storage, not a copy)."""
    if not index.ntotal:
        return np.zeros((0, index.d), dtype=np.float32)
    return faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d).reshape(index.ntotal, index.d)


def _cosines(index: faiss.IndexFlatIP, vector: np.ndarray) -> np.ndarray:
    """The cosine of ``vector`` with every row of ``index``, in row order: FAISS's inner products
    over the flat index's own storage (no search, so no sort and no result lists)."""
    cosines = np.empty(index.ntotal, dtype=np.float32)
    if index.ntotal:
        query = np.ascontiguousarray(vector, dtype=np.float32)
        faiss.fvec_inner_products_ny(
            faiss.swig_ptr(cosines), faiss.swig_ptr(query), index.get_xb(), index.d, index.ntotal
        )
    return cosines


def _share(scores: np.ndarray | float, mass: float) -> np.ndarray:
    """BM25 over the query's IDF mass (how much of the question a text explains), capped at 2."""
    return np.minimum(scores / mass, 2.0) if mass > 0 else np.zeros_like(scores)


def query_row(found: Candidates, scores: np.ndarray) -> np.ndarray:
    """The query-level features of ``found`` once the ranker has scored it."""
    return query_features(
        scores,
        found.matrix,
        found.best_lex_share,
        found.best_dense,
        found.outside_dense,
        found.outside_lex_share,
        found.best_whole_share,
        found.outside_whole_share,
    )
