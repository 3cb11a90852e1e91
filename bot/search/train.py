"""``isee kb train-ranker``: fit the ranker, the scope gate, the confidence model and the topic
classifier on the curated corpus, and measure them by procedure-grouped cross-validation.

Data:
- in scope: every curated phrasing, searched with itself left out of the index, and every vague
  question (``bot.knowledge.vague_questions``), searched with the phrasing it was sharpened into
  left out; the topic classifier reads the phrasings only;
- out of scope: every line of ``out_of_scope.yml``, searched with itself left out of that corpus.

Folds group phrasings by procedure (and out-of-scope lines by category), so a model is always
measured on procedures (and subjects) it did not see. The gate reads the out-of-fold log-odds of
its word model (``ScopeWords``) beside the distances. Thresholds are chosen on the out-of-fold
predictions: the gate refuses ``outside_rejected_target`` of the out-of-scope lines; the clarify
threshold maximises right answers + ``clarify_gain`` × useful choices − ``wrong_cost`` × wrong answers
(the median best threshold of bootstrap resamples).
Under it, the guess threshold says from which confidence the best match is still shown (as a guess,
before the other choices): it weighs the phrasings' out-of-fold predictions and broad questions
(``bot.search.broad``), which no single answer fits.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import lightgbm as lgb
import numpy as np

from bot.search.config import Training
from bot.search.features import QUERY_FEATURES, RANK_FEATURES
from bot.search.fitted import Fitted, corpus_hash, rejected_by_subject, rounded
from bot.search.folds import group_folds
from bot.search.models import MODEL_FORMAT, FoldAverage, LinearGate, ModelCard, SearchModels
from bot.search.searcher import Searcher
from bot.search.selfsearch import SelfResult
from bot.search.topic_training import fit_topics, topic_data
from bot.search.word_models import ScopeWords

Progress = Callable[[str, int, int], None]


def _lgb_params(training: Training, objective: str) -> dict[str, object]:
    params: dict[str, object] = {
        "objective": objective,
        "learning_rate": training.learning_rate,
        "num_leaves": training.num_leaves,
        "min_data_in_leaf": training.min_data_in_leaf,
        "seed": training.seed,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": 2,
        "verbosity": -1,
    }
    if objective == "lambdarank":
        # Each tree sees a random share of the features, so the ranker cannot lean on one family
        # of correlated evidence (docs/search.md, "Tenth change").
        params["feature_fraction"] = training.ranker_feature_fraction
        params["lambdarank_truncation_level"] = 10
        params["eval_at"] = [1, 3]
    return params


class _RankData:
    """The in-scope results as LightGBM ranking groups (queries whose answer is a candidate)."""

    def __init__(self, results: list[SelfResult]) -> None:
        self.results = results
        self.labels = [r.found.docs == r.query.doc for r in results]
        self.usable = np.array([bool(lab.any()) for lab in self.labels])

    def dataset(self, indexes: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[int]]:
        chosen = [i for i in indexes if self.usable[i]]
        matrix = np.vstack([self.results[i].found.matrix for i in chosen])
        labels = np.concatenate([self.labels[i].astype(np.int32) for i in chosen])
        return matrix, labels, [len(self.labels[i]) for i in chosen]


def _fit_ranker(data: _RankData, indexes: np.ndarray, training: Training) -> lgb.Booster:
    matrix, labels, groups = data.dataset(indexes)
    dataset = lgb.Dataset(matrix, labels, group=groups, feature_name=list(RANK_FEATURES))
    return lgb.train(_lgb_params(training, "lambdarank"), dataset, training.rounds)


def _fit_binary(matrix: np.ndarray, labels: np.ndarray, training: Training) -> lgb.Booster:
    dataset = lgb.Dataset(matrix, labels.astype(np.int32), feature_name=list(QUERY_FEATURES))
    return lgb.train(_lgb_params(training, "binary"), dataset, training.rounds)


def _auc(scores: np.ndarray, labels: np.ndarray) -> float:
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    positives = labels.sum()
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return 0.0
    return float(
        (ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    )


def _none_threshold(outside: np.ndarray, target: float) -> float:
    """Lowest gate threshold that still refuses ``target`` of the out-of-scope lines.

    Curated phrasings searched without themselves look more in scope than citizens' questions
    (their siblings were written alongside them), so the bar is set from the out-of-scope side
    and refuses as few in-scope questions as that allows.
    """
    if len(outside) == 0:
        return 0.0
    return float(np.quantile(outside, target, method="higher"))


def _best_clarify(
    confidence: np.ndarray, right: np.ndarray, in_top3: np.ndarray, training: Training
) -> float:
    """The confidence threshold of most value: a right answer 1, a wrong one −``wrong_cost``,
    choices holding the right answer ``clarify_gain``."""
    order = np.argsort(confidence, kind="stable")
    ranked = confidence[order]
    answered = np.where(right[order], 1.0, -training.wrong_cost)
    from_here = np.concatenate([np.cumsum(answered[::-1])[::-1], [0.0]])
    below = np.concatenate([[0.0], np.cumsum(training.clarify_gain * in_top3[order])])
    thresholds = np.unique(np.round(confidence, 3))
    cut = np.searchsorted(ranked, thresholds, side="left")
    return float(thresholds[np.argmax(from_here[cut] + below[cut])])


def _clarify_threshold(
    confidence: np.ndarray, right: np.ndarray, in_top3: np.ndarray, training: Training
) -> float:
    """The confidence under which offering choices serves citizens better than answering.

    The value is nearly flat over a wide band (a few units in 23,000 phrasings), so the best
    threshold of one sample lands anywhere in it from seed to seed: the median of the best
    thresholds of ``clarify_resamples`` bootstrap resamples is taken instead.
    """
    rng = np.random.default_rng(training.seed)
    size = len(confidence)
    best = [
        _best_clarify(confidence[drawn], right[drawn], in_top3[drawn], training)
        for drawn in (rng.integers(0, size, size) for _ in range(training.clarify_resamples))
    ]
    return float(np.median(best))


def guess_threshold(
    confidence: np.ndarray, right: np.ndarray, broad: np.ndarray, clarify: float, training: Training
) -> float:
    """The confidence from which, under ``clarify``, the best match is shown as a guess.

    Against offering choices only, a guess gains ``1 − clarify_gain`` when it is right (the citizen
    has the answer without a click) and loses ``guess_cost`` when it is wrong (the choices follow
    it either way). A broad question (``broad``: its confidence) is never right.
    """
    best, best_value = clarify, 0.0
    gain, cost = 1 - training.clarify_gain, training.guess_cost
    for threshold in np.unique(np.round(np.concatenate([confidence, broad]), 3)):
        if threshold >= clarify:
            break
        band = (confidence >= threshold) & (confidence < clarify)
        broad_band = (broad >= threshold) & (broad < clarify)
        value = gain * (band & right).sum() - cost * ((band & ~right).sum() + broad_band.sum())
        if value > best_value:
            best, best_value = float(threshold), value
    return best


def _broad_confidence(
    searcher: Searcher,
    broad: list[SelfResult],
    ranker: FoldAverage,
    gate: LinearGate,
    scope: ScopeWords,
    confidence: FoldAverage,
    none_threshold: float,
) -> np.ndarray:
    """Confidence of the broad questions the final gate lets in (the others are refused)."""
    if not broad:
        return np.zeros(0)
    rows = np.vstack(
        [searcher.query_row(r.found, ranker.predict(r.found.matrix, num_threads=2)) for r in broad]
    )
    kept = gate.predict(rows, scope.log_odds([r.query.text for r in broad])) >= none_threshold
    return np.asarray(confidence.predict(rows[kept], num_threads=2), dtype=np.float64)


def train_models(
    searcher: Searcher,
    inside: list[SelfResult],
    outside: list[SelfResult],
    broad: list[SelfResult],
    topic_lines: list[tuple[str, str]],
    training: Training,
    vague: list[SelfResult],
    progress: Progress | None = None,
) -> tuple[SearchModels, Fitted]:
    """Cross-validate, then fit every model on all the data; returns the models and CV figures.

    ``inside`` are the curated phrasings, ``vague`` the vague questions: the ranker, the gate and
    the confidence model learn from both (grouped by their procedure), the topic classifier from
    the phrasings.
    """
    started = time.perf_counter()
    phrasings = inside
    inside = phrasings + vague
    data = _RankData(inside)
    folds = group_folds([r.query.group for r in inside], training.folds)
    outside_folds = group_folds([r.query.group for r in outside], training.folds) if outside else []
    oof_scores: list[np.ndarray | None] = [None] * len(inside)
    oof_outside: list[np.ndarray | None] = [None] * len(outside)
    rankers: list[lgb.Booster] = []
    for k, (train_idx, test_idx) in enumerate(folds):
        if progress:
            progress("Cross-validating the ranker", k, len(folds))
        ranker = _fit_ranker(data, train_idx, training)
        rankers.append(ranker)
        for i in test_idx:
            oof_scores[i] = ranker.predict(inside[i].found.matrix, num_threads=2)
        if outside_folds:
            for i in outside_folds[k % len(outside_folds)][1]:
                oof_outside[i] = ranker.predict(outside[i].found.matrix, num_threads=2)
    rows_in = np.vstack(
        [searcher.query_row(r.found, s) for r, s in zip(inside, oof_scores, strict=True)]
    )
    rows_out = (
        np.vstack(
            [searcher.query_row(r.found, s) for r, s in zip(outside, oof_outside, strict=True)]
        )
        if outside
        else np.zeros((0, len(QUERY_FEATURES)), np.float32)
    )
    top = np.array([r.found.docs[np.argmax(s)] for r, s in zip(inside, oof_scores, strict=True)])
    truth = np.array([r.query.doc for r in inside])
    right = top == truth
    in_top3 = np.array(
        [
            r.query.doc in r.found.docs[np.argsort(-s, kind="stable")[:3]]
            for r, s in zip(inside, oof_scores, strict=True)
        ]
    )

    # Gate and confidence: out-of-fold again, grouped the same way.
    gate_rows = np.vstack([rows_in, rows_out])
    gate_labels = np.concatenate([np.ones(len(rows_in)), np.zeros(len(rows_out))])
    gate_groups = [r.query.group for r in inside] + [r.query.group for r in outside]
    gate_texts = [r.query.text for r in inside] + [r.query.text for r in outside]
    gate_folds = group_folds(gate_groups, training.folds)
    # The word model first, out of fold: the gate learns how far to trust its log-odds on
    # questions it did not read (a subject of the out-of-scope corpus it never saw).
    words_oof = ScopeWords.out_of_fold(gate_texts, gate_labels, gate_folds, training)
    gate_oof = np.zeros(len(gate_rows))
    confidence_oof = np.zeros(len(rows_in))
    for k, (train_idx, test_idx) in enumerate(gate_folds):
        if progress:
            progress("Cross-validating the gate", k, training.folds)
        gate = LinearGate.fit(
            gate_rows[train_idx],
            words_oof[train_idx],
            gate_labels[train_idx],
            training.gate_c,
            training.seed,
        )
        gate_oof[test_idx] = gate.predict(gate_rows[test_idx], words_oof[test_idx])
    confidences: list[lgb.Booster] = []
    for train_idx, test_idx in folds:
        model = _fit_binary(rows_in[train_idx], right[train_idx], training)
        confidences.append(model)
        confidence_oof[test_idx] = model.predict(rows_in[test_idx], num_threads=2)
    none_threshold = _none_threshold(gate_oof[len(rows_in) :], training.outside_rejected_target)
    clarify = _clarify_threshold(confidence_oof, right, in_top3, training)

    # Topic: phrasings of procedures, grouped by procedure.
    labelled = [r for r in phrasings if r.query.topic is not None]
    topics = fit_topics(
        topic_data(
            searcher,
            [r.query for r in labelled],
            [r.prepared.topic_text for r in labelled],
            topic_lines,
        ),
        training,
    )

    if progress:
        progress("Fitting the final gate", 0, 1)
    outside_scores = gate_oof[len(rows_in) :]
    # The ranker and the confidence model are the fold models averaged (FoldAverage); the gate,
    # linear and stable, is fitted once more on everything.
    final_ranker = FoldAverage(rankers)
    final_scope = ScopeWords.fit(gate_texts, gate_labels, training)
    final_gate = LinearGate.fit(gate_rows, words_oof, gate_labels, training.gate_c, training.seed)
    final_confidence = FoldAverage(confidences)
    broad_confidence = _broad_confidence(
        searcher, broad, final_ranker, final_gate, final_scope, final_confidence, none_threshold
    )
    guess = guess_threshold(confidence_oof, right, broad_confidence, clarify, training)
    answered = confidence_oof >= clarify
    guessed = (confidence_oof >= guess) & ~answered
    fitted = Fitted(
        top1=float(right[: len(phrasings)].mean()),
        top3=float(in_top3[: len(phrasings)].mean()),
        vague_top1=float(right[len(phrasings) :].mean()) if vague else 0.0,
        candidates_recall=float(data.usable.mean()),
        scope_words_auc=_auc(words_oof, gate_labels),
        gate_auc=_auc(gate_oof, gate_labels),
        none_threshold=none_threshold,
        outside_rejected=float((outside_scores < none_threshold).mean()) if outside else 0.0,
        outside_rejected_by_subject=rejected_by_subject(outside, outside_scores, none_threshold),
        inside_refused=float((gate_oof[: len(rows_in)] < none_threshold).mean()),
        clarify_threshold=clarify,
        guess_threshold=guess,
        answered=float(answered.mean()),
        answered_right=float(right[answered].mean()) if answered.any() else 0.0,
        guessed=float(guessed.mean()),
        guessed_right=float(right[guessed].mean()) if guessed.any() else 0.0,
        broad_guessed=float(((broad_confidence >= guess) & (broad_confidence < clarify)).sum())
        / max(len(broad), 1),
        topic_accuracy=topics.accuracy,
        topic_general_accuracy=topics.general_accuracy,
    )
    models = SearchModels(
        ranker=final_ranker,
        gate=final_gate,
        scope=final_scope,
        confidence=final_confidence,
        topics=topics.classifier,
        card=ModelCard(
            format=MODEL_FORMAT,
            seed=training.seed,
            embedding_model=searcher.embedding_model,
            rank_features=list(RANK_FEATURES),
            query_features=list(QUERY_FEATURES),
            none_threshold=round(none_threshold, 6),
            clarify_threshold=round(clarify, 6),
            guess_threshold=round(guess, 6),
            corpus_hash=corpus_hash(inside + outside),
            trained_at=time.strftime("%Y-%m-%d", time.gmtime()),
            training={
                "phrasings": len(phrasings),
                "vague_questions": len(vague),
                "procedures_and_faq": len({r.query.group for r in phrasings}),
                "outside_lines": len(outside),
                "broad_questions": len(broad),
                "topic_labelled": len(labelled),
                "topic_relabelled": topics.relabelled,
                "topic_lines": len(topic_lines),
                "folds": len(folds),
                "seconds": round(time.perf_counter() - started, 1),
            },
            settings=training.model_dump(),
            figures=rounded(fitted.model_dump()),
        ),
    )
    return models, fitted
