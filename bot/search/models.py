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
from sklearn.linear_model import LogisticRegression

from bot.search.features import GATE_DISTANCES, GATE_FEATURES, QUERY_FEATURES, RANK_FEATURES
from bot.search.forest import CompiledModel, prune
from bot.search.word_models import ScopeWords, TopicClassifier

MODEL_DIR = "ranker"
COMPILED_DIR = "compiled-models"  # under the build directory: the compiled LightGBM models
MODEL_FORMAT = 4
# Positions of the gate's distances in a query row, looked up once (the gate runs on every question).
_GATE_COLUMNS = [QUERY_FEATURES.index(name) for name in GATE_DISTANCES]


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
        return np.column_stack([np.atleast_2d(rows)[:, _GATE_COLUMNS], scope_words]).astype(
            np.float64
        )

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
