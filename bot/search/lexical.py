"""Okapi BM25 over accent-folded syllables and syllable bigrams, as a sparse matrix."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import sparse

from bot.search.normalize import fold, syllables, with_bigrams

K1 = 1.2
B = 0.75


def tokenize(text: str) -> list[str]:
    """Folded syllables and bigrams of ``text``."""
    return with_bigrams(syllables(fold(text)))


class LexicalIndex:
    """BM25 weights of every (document, token), scored with one sparse product per query."""

    def __init__(
        self, vocabulary: dict[str, int], weights: sparse.csc_matrix, idf: np.ndarray
    ) -> None:
        self.vocabulary = vocabulary
        self.weights = weights
        self.idf = idf
        self._unknown_idf = float(idf.max()) if len(idf) else 1.0
        self._frequency = np.diff(weights.indptr)  # rows holding each token (a CSC column's size)

    @property
    def rows(self) -> int:
        """How many documents (index rows) the index holds."""
        return int(self.weights.shape[0])

    def document_frequency(self, token: str) -> int:
        """How many documents hold ``token`` (0 for a token the index does not know)."""
        column = self.vocabulary.get(token)
        return int(self._frequency[column]) if column is not None else 0

    @classmethod
    def build(cls, documents: list[str]) -> LexicalIndex:
        """Index ``documents`` (one text per document)."""
        counts = [Counter(tokenize(doc)) for doc in documents]
        vocabulary: dict[str, int] = {}
        for count in counts:
            for token in count:
                vocabulary.setdefault(token, len(vocabulary))
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float64)
        average = lengths.mean() if len(lengths) and lengths.mean() > 0 else 1.0
        document_frequency = np.zeros(len(vocabulary))
        rows, cols, values = [], [], []
        for row, count in enumerate(counts):
            norm = K1 * (1 - B + B * lengths[row] / average)
            for token, tf in count.items():
                col = vocabulary[token]
                document_frequency[col] += 1
                rows.append(row)
                cols.append(col)
                values.append(tf * (K1 + 1) / (tf + norm))
        n = len(documents)
        idf = np.log(1 + (n - document_frequency + 0.5) / (document_frequency + 0.5))
        values_arr = np.array(values) * idf[np.array(cols, dtype=np.int64)] if values else []
        weights = sparse.csr_matrix(
            (values_arr, (rows, cols)), shape=(n, len(vocabulary)), dtype=np.float32
        )
        return cls(vocabulary, weights.tocsc(), idf.astype(np.float32))

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of every document for ``text`` (each distinct query token counts once).

        Each token's column of weights is added in turn (the sum scipy computes for the sliced
        matrix, without building that matrix: a question has a dozen tokens, and the slicing cost
        more than the sums)."""
        columns = sorted({self.vocabulary[t] for t in tokenize(text) if t in self.vocabulary})
        scores = np.zeros(self.weights.shape[0], dtype=np.float32)
        starts, rows, weights = self.weights.indptr, self.weights.indices, self.weights.data
        for column in columns:
            span = slice(starts[column], starts[column + 1])
            np.add.at(scores, rows[span], weights[span])
        return scores

    def query_mass(self, text: str) -> float:
        """Sum of the IDF of the query's distinct tokens (unknown tokens count as the rarest).

        A document holding every query token once scores about this much, so ``best / mass`` says
        how much of the question the best document explains, whatever the question's length.
        """
        return sum(self.token_idf(t) for t in set(tokenize(text)))

    def token_idf(self, token: str) -> float:
        """IDF of one token (an unknown token counts as the rarest)."""
        column = self.vocabulary.get(token)
        return float(self.idf[column]) if column is not None else self._unknown_idf

    def save(self, directory: Path) -> None:
        """Write ``lexical.npz`` and ``vocabulary.json`` into ``directory``."""
        sparse.save_npz(directory / "lexical.npz", self.weights)
        np.save(directory / "idf.npy", self.idf)
        (directory / "vocabulary.json").write_text(
            json.dumps(self.vocabulary, ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """Read an index written by :meth:`save`."""
        weights = sparse.load_npz(directory / "lexical.npz").tocsc()
        vocabulary = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
        return cls(vocabulary, weights, np.load(directory / "idf.npy"))
