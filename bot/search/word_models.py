"""The search's word models: TF-IDF over accent-folded words and word pairs, read by a logistic
regression — the topic classifier (which part of a procedure a question asks) and the scope gate's
word model (are these the words of an in-scope question). Both compute their scores themselves
(:class:`LinearWords`), as the fitted scikit-learn pair would."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.class_weight import compute_class_weight

from bot.search.config import Training
from bot.search.normalize import fold

OVERVIEW = "tong_quan"


def folded_words() -> TfidfVectorizer:
    """Accent-folded word unigrams and bigrams with sublinear term frequency: what the topic
    classifier and the gate's word model read."""
    return TfidfVectorizer(
        preprocessor=fold, ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32
    )


class LinearWords:
    """The linear scores of a fitted (:func:`folded_words` vectorizer, linear model) pair for
    questions, computed directly: sublinear term frequency times IDF, L2-normalised, times the
    coefficients. scikit-learn's checks of its inputs cost ~1 ms a call, the product itself a few
    microseconds."""

    def __init__(self, vectorizer: TfidfVectorizer, coef: np.ndarray, intercept: np.ndarray):
        self.vectorizer = vectorizer
        self._analyze = vectorizer.build_analyzer()
        self._idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.weights = np.ascontiguousarray(np.atleast_2d(coef).T, dtype=np.float64)
        self.intercept = np.atleast_1d(np.asarray(intercept, dtype=np.float64))

    def scores(self, texts: list[str]) -> np.ndarray:
        """One row of scores a text (one column a class of the linear model)."""
        scores = np.tile(self.intercept, (len(texts), 1))
        vocabulary = self.vectorizer.vocabulary_
        for i, text in enumerate(texts):
            counts: dict[int, int] = {}
            for token in self._analyze(text):
                column = vocabulary.get(token)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            if not counts:
                continue
            columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
            frequency = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            weights = (1.0 + np.log(frequency)) * self._idf[columns]
            scores[i] += (weights / np.linalg.norm(weights)) @ self.weights[columns]
        return scores

    def vocabulary_json(self) -> dict[str, Any]:
        """The vectorizer as plain data."""
        return {
            "vocabulary": {k: int(v) for k, v in self.vectorizer.vocabulary_.items()},
            "idf": [round(float(x), 5) for x in self.vectorizer.idf_],
        }

    @staticmethod
    def vectorizer_from_json(data: dict[str, Any]) -> TfidfVectorizer:
        """A fitted vectorizer rebuilt from :meth:`vocabulary_json`."""
        vectorizer = folded_words()
        vectorizer.vocabulary_ = data["vocabulary"]
        vectorizer.idf_ = np.asarray(data["idf"], dtype=np.float32)
        return vectorizer


class TopicClassifier:
    """Which topic a question asks, learned from the topic-labelled curated phrasings."""

    def __init__(self, vectorizer: TfidfVectorizer, model: LogisticRegression) -> None:
        if len(model.classes_) < 3:
            raise ValueError("the topic classifier needs three classes or more (softmax scores)")
        self.model = model
        self.classes = [str(topic) for topic in model.classes_]
        self.words = LinearWords(vectorizer, model.coef_, model.intercept_)

    @classmethod
    def fit(
        cls, texts: list[str], topics: list[str], names: list[str], training: Training
    ) -> TopicClassifier:
        """Train on ``texts`` labelled with ``topics`` (``tong_quan`` for a general question) and on
        ``names``, the procedures' own names, as general questions.

        Classes are balanced (a rare topic such as the legal basis counts as much as the documents).
        Unlabelled phrasings are the general class, but writers leave some topic questions
        unlabelled too: that noisy class is weighted ``general_weight`` on top. A bare name asks
        nothing in particular, the cleanest general example there is ("trợ cấp thất nghiệp"),
        and weighs ``topic_name_weight``.
        """
        vectorizer = folded_words()
        labels = [*topics, *[OVERVIEW] * len(names)]
        matrix = vectorizer.fit_transform([*texts, *names])
        classes = np.unique(labels)
        balanced = compute_class_weight("balanced", classes=classes, y=labels)
        weights = {str(topic): float(w) for topic, w in zip(classes, balanced, strict=True)}
        weights[OVERVIEW] *= training.general_weight
        samples = np.concatenate(
            [np.ones(len(texts)), np.full(len(names), training.topic_name_weight)]
        )
        model = LogisticRegression(
            C=training.topic_c, class_weight=weights, max_iter=3000, random_state=training.seed
        )
        model.fit(matrix, labels, sample_weight=samples)
        return cls(vectorizer, model)

    def probabilities(self, text: str) -> dict[str, float]:
        """Probability of each topic for ``text``."""
        row = self.predict_proba([text])[0]
        return {topic: float(p) for topic, p in zip(self.classes, row, strict=True)}

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """The fitted model's ``predict_proba`` of the vectorizer's rows of ``texts``: the
        multinomial logistic regression's softmax of :class:`LinearWords` scores."""
        return softmax(self.words.scores(texts), axis=1)

    def predict(self, text: str) -> str | None:
        """The topic asked, or ``None`` for a general question about the procedure."""
        probabilities = self.probabilities(text)
        topic = max(probabilities, key=probabilities.__getitem__)
        return None if topic == OVERVIEW else topic

    def asked(self, text: str, clauses: list[str], min_probability: float) -> list[str]:
        """Every topic a question asks: the whole question's topic first, then each other topic
        one of its ``clauses`` asks with at least ``min_probability`` ("cần giấy tờ gì, nộp ở
        đâu"). A general question asks none. One batch for the question and its clauses."""
        rows = self.predict_proba([text, *clauses])
        classes = self.classes
        best = rows.argmax(axis=1)
        if classes[best[0]] == OVERVIEW:
            return []
        topics = [classes[best[0]]]
        for row, j in zip(rows[1:], best[1:], strict=True):
            topic = classes[j]
            if topic != OVERVIEW and row[j] >= min_probability and topic not in topics:
                topics.append(topic)
        return topics

    def to_json(self) -> dict[str, Any]:
        """Plain data: vocabulary, IDF, coefficients (no pickle in the repository)."""
        return {
            **self.words.vocabulary_json(),
            "classes": [str(c) for c in self.model.classes_],
            "coef": [[round(float(x), 5) for x in row] for row in self.model.coef_],
            "intercept": [round(float(x), 5) for x in self.model.intercept_],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TopicClassifier:
        """Rebuild a classifier written by :meth:`to_json`."""
        model = LogisticRegression()
        model.classes_ = np.asarray(data["classes"])
        model.coef_ = np.asarray(data["coef"], dtype=np.float64)
        model.intercept_ = np.asarray(data["intercept"], dtype=np.float64)
        return cls(LinearWords.vectorizer_from_json(data), model)


class ScopeWords:
    """The gate's word model: whether a question's words are those of the curated phrasings (in
    scope) or of the out-of-scope corpus. TF-IDF over accent-folded words and word pairs, logistic
    regression with balanced classes; the gate reads its log-odds beside the distances, so that
    "lịch khám bác sĩ", "điểm chuẩn" or "lãi suất" count against a question that the dense model
    places near a procedure."""

    def __init__(self, vectorizer: TfidfVectorizer, model: LogisticRegression) -> None:
        self.model = model
        self.words = LinearWords(vectorizer, model.coef_[0], model.intercept_)

    @classmethod
    def fit(cls, texts: list[str], in_scope: np.ndarray, training: Training) -> ScopeWords:
        """Train on ``texts`` labelled 1 (in scope) or 0 (``scope_words_c``, ``seed``)."""
        vectorizer = folded_words()
        matrix = vectorizer.fit_transform(texts)
        model = LogisticRegression(
            C=training.scope_words_c,
            class_weight="balanced",
            max_iter=3000,
            random_state=training.seed,
        )
        model.fit(matrix, in_scope.astype(int))
        return cls(vectorizer, model)

    @classmethod
    def out_of_fold(
        cls,
        texts: list[str],
        in_scope: np.ndarray,
        folds: list[tuple[np.ndarray, np.ndarray]],
        training: Training,
    ) -> np.ndarray:
        """Each text's log-odds by a model fitted without its fold: what the gate learns from,
        so that it weighs the words of a subject the word model never read as it will weigh a
        new question's."""
        log_odds = np.zeros(len(texts))
        for train_idx, test_idx in folds:
            words = cls.fit([texts[i] for i in train_idx], in_scope[train_idx], training)
            log_odds[test_idx] = words.log_odds([texts[i] for i in test_idx])
        return log_odds

    def log_odds(self, texts: list[str]) -> np.ndarray:
        """Log-odds of being in scope, one a text (the fitted model's ``decision_function``)."""
        return self.words.scores(texts)[:, 0]

    def to_json(self) -> dict[str, Any]:
        """Plain data: vocabulary, IDF, coefficients."""
        return {
            **self.words.vocabulary_json(),
            "coef": [round(float(x), 5) for x in self.model.coef_[0]],
            "intercept": round(float(self.model.intercept_[0]), 5),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScopeWords:
        """Rebuild a word model written by :meth:`to_json`."""
        model = LogisticRegression()
        model.classes_ = np.asarray([0, 1])
        model.coef_ = np.asarray([data["coef"]], dtype=np.float64)
        model.intercept_ = np.asarray([data["intercept"]], dtype=np.float64)
        return cls(LinearWords.vectorizer_from_json(data), model)
