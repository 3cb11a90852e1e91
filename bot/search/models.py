"""The learned parts of the search, as trained by ``isee kb train-ranker``.

``knowledge_base/ranker/`` holds small files and a card:
- ``ranker-1.txt`` … ``ranker-K.txt``: LightGBM lambdarank over :data:`RANK_FEATURES` (which
  candidate answers), one per cross-validation fold, averaged;
- ``gate.json``: a logistic regression over :data:`GATE_FEATURES` (is the question in scope at all);
- ``scope.json``: the gate's word model, a TF-IDF + logistic-regression classifier of in-scope
  questions against the out-of-scope corpus (:class:`ScopeWords`);
- ``confidence-1.txt`` … ``confidence-K.txt``: LightGBM binary over :data:`QUERY_FEATURES` (is the
  best candidate right, or should the assistant offer choices), one per fold, averaged;
- ``topic.json``: a TF-IDF + logistic-regression classifier of the topic asked (documents, fee…);
- ``card.json``: features, thresholds, seed, the corpus it was trained on and cross-validated figures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
from pydantic import BaseModel, Field
from scipy.special import softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.class_weight import compute_class_weight

from bot.search.config import Training
from bot.search.features import GATE_DISTANCES, GATE_FEATURES, QUERY_FEATURES, RANK_FEATURES
from bot.search.forest import CompiledModel, prune
from bot.search.normalize import fold

MODEL_DIR = "ranker"
COMPILED_DIR = "compiled-models"  # under the build directory: the compiled LightGBM models
MODEL_FORMAT = 4
OVERVIEW = "tong_quan"


class ModelCard(BaseModel):
    """What the models were trained on, how, and how well they did in cross-validation."""

    format: int = MODEL_FORMAT
    seed: int
    embedding_model: str = Field(
        description="The embedding model whose cosines the models read (ISEE_SEARCH_MODEL)"
    )
    rank_features: list[str]
    query_features: list[str]
    none_threshold: float = Field(description="Scope probability under which the answer is none")
    clarify_threshold: float = Field(
        description="Confidence under which the closest matches are offered as choices"
    )
    guess_threshold: float = Field(
        description=(
            "Confidence from which, under the clarify threshold, the best match is shown as a"
            " guess before the other choices"
        )
    )
    corpus_hash: str = Field(description="Hash of the phrasings and out-of-scope lines used")
    trained_at: str
    training: dict[str, Any] = Field(description="Sizes of the training data")
    settings: dict[str, Any] = Field(
        description="The `training:` settings of search.yml the models were fitted with"
    )
    figures: dict[str, Any] = Field(description="Cross-validated figures (see docs/search.md)")


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
    def fit(cls, texts: list[str], in_scope: np.ndarray, c: float, seed: int) -> ScopeWords:
        """Train on ``texts`` labelled 1 (in scope) or 0."""
        vectorizer = folded_words()
        matrix = vectorizer.fit_transform(texts)
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=seed)
        model.fit(matrix, in_scope.astype(int))
        return cls(vectorizer, model)

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


class LinearGate:
    """Logistic regression over standardised :data:`GATE_FEATURES`: in scope or not.

    A linear model on a few distances generalises from curated phrasings (which have near-identical
    siblings in the index) to citizens' questions (which do not) better than a boosted model that
    separates the training data perfectly. Its last input is the log-odds of the gate's word model
    (:class:`ScopeWords`), given beside the query rows.
    """

    def __init__(self, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, intercept: float):
        self.mean = mean
        self.scale = scale
        self.coef = coef
        self.intercept = intercept

    @staticmethod
    def inputs(rows: np.ndarray, scope_words: np.ndarray) -> np.ndarray:
        """The gate's inputs: the :data:`GATE_DISTANCES` columns of :data:`QUERY_FEATURES` rows,
        then the word model's log-odds."""
        columns = [QUERY_FEATURES.index(name) for name in GATE_DISTANCES]
        return np.column_stack([np.atleast_2d(rows)[:, columns], scope_words]).astype(np.float64)

    @classmethod
    def fit(
        cls, rows: np.ndarray, scope_words: np.ndarray, labels: np.ndarray, c: float, seed: int
    ) -> LinearGate:
        """Fit on :data:`QUERY_FEATURES` rows and their word log-odds, labelled 1 (in scope) or 0."""
        x = cls.inputs(rows, scope_words)
        mean, scale = x.mean(axis=0), x.std(axis=0)
        scale[scale == 0] = 1.0
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=seed)
        model.fit((x - mean) / scale, labels.astype(int))
        return cls(mean, scale, model.coef_[0], float(model.intercept_[0]))

    def predict(self, rows: np.ndarray, scope_words: np.ndarray) -> np.ndarray:
        """Probability of being in scope for each :data:`QUERY_FEATURES` row and its words'
        log-odds."""
        x = (self.inputs(rows, scope_words) - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(x @ self.coef + self.intercept)))

    def to_json(self) -> dict[str, Any]:
        """Plain data."""
        return {
            "features": list(GATE_FEATURES),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearGate:
        """Rebuild a gate written by :meth:`to_json`."""
        if data["features"] != list(GATE_FEATURES):
            raise ValueError("the scope gate was trained on other features: retrain")
        return cls(
            np.asarray(data["mean"]),
            np.asarray(data["scale"]),
            np.asarray(data["coef"]),
            float(data["intercept"]),
        )


class FoldAverage:
    """The models cross-validation fitted, one per fold, used together: their mean prediction.

    Each was fitted without one fold of procedures, as were the out-of-fold predictions the
    thresholds are chosen on; their mean varies less from seed to seed than one model fitted on
    everything, and its scores are on the scale the thresholds were chosen on. Loaded for
    serving, they may predict through their compiled forms (``bot.search.forest``): the same
    values, faster.
    """

    def __init__(
        self, boosters: list[lgb.Booster], compiled: list[CompiledModel] | None = None
    ) -> None:
        if not boosters:
            raise ValueError("no fold models to average")
        if compiled is not None and len(compiled) != len(boosters):
            raise ValueError("one compiled model per fold model")
        self.boosters = boosters
        self.compiled = compiled

    def predict(self, matrix: np.ndarray, num_threads: int = 1) -> np.ndarray:
        """Mean prediction of the fold models for each row of ``matrix`` (the compiled models
        predict on the calling thread, whatever ``num_threads`` asks)."""
        if self.compiled is not None:
            rows = np.asarray(matrix, dtype=np.float64)  # what the compiled models read, once
            return np.mean([model.predict(rows) for model in self.compiled], axis=0)
        return np.mean([b.predict(matrix, num_threads=num_threads) for b in self.boosters], axis=0)

    def save(self, directory: Path, stem: str) -> None:
        """Write ``{stem}-1.txt`` … ``{stem}-K.txt``."""
        for k, booster in enumerate(self.boosters, start=1):
            booster.save_model(str(directory / f"{stem}-{k}.txt"))

    @staticmethod
    def files(stem: str, folds: int) -> list[str]:
        """The file names :meth:`save` writes for ``folds`` models."""
        return [f"{stem}-{k}.txt" for k in range(1, folds + 1)]

    @classmethod
    def load(
        cls, directory: Path, stem: str, folds: int, compiled_dir: Path | None = None
    ) -> FoldAverage:
        """Read the ``folds`` models :meth:`save` wrote; with ``compiled_dir``, also their
        compiled forms (compiled into it the first time; older ones of ``stem`` are deleted)."""
        paths = [directory / name for name in cls.files(stem, folds)]
        boosters = [lgb.Booster(model_file=str(path)) for path in paths]
        if compiled_dir is None:
            return cls(boosters)
        compiled = [CompiledModel(path, compiled_dir) for path in paths]
        prune(compiled_dir, stem, compiled)
        return cls(boosters, compiled)


class SearchModels:
    """Ranker, scope gate (with its word model), confidence model and topic classifier, loaded
    together."""

    FILES = ("gate.json", "scope.json", "topic.json", "card.json")

    def __init__(
        self,
        ranker: FoldAverage,
        gate: LinearGate,
        scope: ScopeWords,
        confidence: FoldAverage,
        topics: TopicClassifier,
        card: ModelCard,
    ) -> None:
        if card.rank_features != list(RANK_FEATURES) or card.query_features != list(QUERY_FEATURES):
            raise ValueError(
                "the search models were trained on other features: run `isee kb train-ranker`"
            )
        self.ranker = ranker
        self.gate = gate
        self.scope = scope
        self.confidence = confidence
        self.topics = topics
        self.card = card

    def rank(self, matrix: np.ndarray) -> np.ndarray:
        """Ranker score of each candidate row."""
        return np.asarray(self.ranker.predict(matrix), dtype=np.float64)

    def in_scope(self, row: np.ndarray, query: str) -> float:
        """Probability that ``query`` (its query row ``row``) is about something the knowledge
        base serves."""
        return float(self.gate.predict(row, self.scope.log_odds([query]))[0])

    def confident(self, row: np.ndarray) -> float:
        """Probability that the best candidate is the right one."""
        return float(self.confidence.predict(row.reshape(1, -1))[0])

    def save(self, directory: Path) -> None:
        """Write the model files into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        for stale in [*directory.glob("ranker*.txt"), *directory.glob("confidence*.txt")]:
            stale.unlink()
        self.ranker.save(directory, "ranker")
        (directory / "gate.json").write_text(
            json.dumps(self.gate.to_json(), indent=1) + "\n", encoding="utf-8"
        )
        (directory / "scope.json").write_text(
            json.dumps(self.scope.to_json(), ensure_ascii=False, separators=(",", ":")),
            encoding="utf-8",
        )
        self.confidence.save(directory, "confidence")
        (directory / "topic.json").write_text(
            json.dumps(self.topics.to_json(), ensure_ascii=False, separators=(",", ":")),
            encoding="utf-8",
        )
        (directory / "card.json").write_text(
            self.card.model_dump_json(indent=2) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path, compiled_dir: Path) -> SearchModels:
        """Read the models of ``directory``; a clear error when a file is missing.

        The ranker and the confidence model predict through their compiled forms, kept in
        ``compiled_dir``: the ranker scores every candidate of every question, and even the
        confidence model's one row a question took LightGBM ~0.75 ms for the five folds (~0.5 ms
        compiled; a single row's cost is fetching each tree's nodes from memory).
        """
        cls._require(directory, cls.FILES)
        # The format first: an older card may lack fields this version requires.
        data = json.loads((directory / "card.json").read_text(encoding="utf-8"))
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(
                f"{directory}: models of format {data.get('format')}, this version reads"
                f" {MODEL_FORMAT}; run `isee kb train-ranker`"
            )
        card = ModelCard.model_validate(data)
        folds = int(card.training["folds"])
        cls._require(
            directory, FoldAverage.files("ranker", folds) + FoldAverage.files("confidence", folds)
        )
        return cls(
            ranker=FoldAverage.load(directory, "ranker", folds, compiled_dir),
            gate=LinearGate.from_json(
                json.loads((directory / "gate.json").read_text(encoding="utf-8"))
            ),
            scope=ScopeWords.from_json(
                json.loads((directory / "scope.json").read_text(encoding="utf-8"))
            ),
            confidence=FoldAverage.load(directory, "confidence", folds, compiled_dir),
            topics=TopicClassifier.from_json(
                json.loads((directory / "topic.json").read_text(encoding="utf-8"))
            ),
            card=card,
        )

    @staticmethod
    def _require(directory: Path, names: list[str] | tuple[str, ...]) -> None:
        """A clear error naming the model files missing from ``directory``."""
        missing = [name for name in names if not (directory / name).exists()]
        if missing:
            raise FileNotFoundError(
                f"{directory}: missing {', '.join(missing)}; run `isee kb train-ranker`"
            )
