"""What the cross-validation of ``isee kb train-ranker`` measured, as the model card keeps it:
the out-of-fold figures (``Fitted``), each out-of-scope subject's refused share, and the hash of
the training questions."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from bot.search.selfsearch import OUTSIDE_GROUP, SelfResult


class Fitted(BaseModel):
    """Out-of-fold results, for the model card and the thresholds."""

    top1: float = Field(description="Out-of-fold top-1 of the curated phrasings")
    top3: float = Field(description="Out-of-fold top-3 of the curated phrasings")
    vague_top1: float = Field(description="Out-of-fold top-1 of the vague questions")
    candidates_recall: float
    scope_words_auc: float = Field(
        description="Out-of-fold AUC of the gate's word model alone (in scope against out of scope)"
    )
    gate_auc: float
    none_threshold: float
    outside_rejected: float
    outside_rejected_by_subject: dict[str, float] = Field(
        description=(
            "Out-of-fold share of each out-of-scope subject's lines the gate refuses (the subject"
            " left out of the fold): the subjects the gate finds hardest"
        )
    )
    inside_refused: float
    clarify_threshold: float
    guess_threshold: float
    answered: float
    answered_right: float
    guessed: float
    guessed_right: float
    broad_guessed: float
    topic_accuracy: float
    topic_general_accuracy: float


def rejected_by_subject(
    outside: list[SelfResult], scores: np.ndarray, none_threshold: float
) -> dict[str, float]:
    """The share of each subject's out-of-scope lines scored under the threshold, weakest first."""
    refused: dict[str, list[bool]] = {}
    for result, score in zip(outside, scores, strict=True):
        subject = result.query.group.removeprefix(OUTSIDE_GROUP)
        refused.setdefault(subject, []).append(bool(score < none_threshold))
    shares = {subject: sum(flags) / len(flags) for subject, flags in refused.items()}
    return dict(sorted(shares.items(), key=lambda item: (item[1], item[0])))


def rounded(figures: dict[str, Any]) -> dict[str, Any]:
    """Figures to four decimals, for the model card."""
    return {
        key: rounded(value) if isinstance(value, dict) else round(value, 4)
        for key, value in figures.items()
    }


def corpus_hash(results: list[SelfResult]) -> str:
    """Hash of the training questions and their labels."""
    digest = hashlib.sha256()
    for r in results:
        digest.update(f"{r.query.group}\0{r.query.topic}\0{r.query.text}\n".encode())
    return digest.hexdigest()[:16]
