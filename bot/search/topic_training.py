"""Fitting the topic classifier (``isee kb train-ranker``, also ``--topics-only``): the topic-labelled
phrasings read without their procedure's name, every procedure's name as a general question and the
topic lines, general labels cleaned by confident learning, measured by procedure-grouped CV."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from bot.search.config import Training
from bot.search.folds import group_folds
from bot.search.searcher import Searcher
from bot.search.selfsearch import SelfQuery
from bot.search.word_models import OVERVIEW, TopicClassifier


@dataclass(frozen=True)
class TopicData:
    """What the topic classifier learns from: the topic-labelled phrasings (``tong_quan`` for a
    general one), grouped by procedure, each procedure's own name, a general question, and the
    topic lines (``bot.knowledge.topic_lines``), in every fold's training data."""

    texts: list[str]
    labels: list[str]
    groups: list[str]
    names: dict[str, str] = field(repr=False)
    lines: list[tuple[str, str]] = field(repr=False)

    def names_of(self, rows: np.ndarray) -> list[str]:
        """The names of the procedures whose phrasings are ``rows``."""
        groups = dict.fromkeys(self.groups[i] for i in rows)
        return [self.names[group] for group in groups if group in self.names]

    def fit(self, rows: np.ndarray, labels: list[str], training: Training) -> TopicClassifier:
        """A classifier trained on ``rows`` (with ``labels``) and their procedures' names."""
        return TopicClassifier.fit(
            [*(self.texts[i] for i in rows), *(text for text, _ in self.lines)],
            [*(labels[i] for i in rows), *(topic for _, topic in self.lines)],
            self.names_of(rows),
            training,
        )


def topic_data(
    searcher: Searcher,
    labelled: list[SelfQuery],
    texts: list[str],
    lines: list[tuple[str, str]],
) -> TopicData:
    """The topic-labelled phrasings ``labelled``, read as ``texts`` without the words they share
    with their procedure's name (as a question is read once its procedure is found), every
    procedure's name and the topic ``lines``, all read the way the topic classifier reads a
    question."""
    procedures = {doc.key: i for i, doc in enumerate(searcher.docs) if doc.kind == "procedure"}
    return TopicData(
        texts=[
            searcher.without_name(text, procedures[q.group]) if q.group in procedures else text
            for q, text in zip(labelled, texts, strict=True)
        ],
        labels=[str(q.topic) for q in labelled],
        groups=[q.group for q in labelled],
        names={
            key: searcher.preparer.topic_text(searcher.docs[i].texts[0])
            for key, i in procedures.items()
        },
        lines=[(searcher.preparer.topic_text(text), topic) for text, topic in lines],
    )


class TopicFit(BaseModel):
    """The topic classifier and how it was fitted."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    classifier: TopicClassifier
    accuracy: float = Field(description="Procedure-grouped CV accuracy on the labelled topics")
    general_accuracy: float = Field(
        description="Procedure-grouped CV accuracy on the general phrasings left after cleaning"
    )
    relabelled: int = Field(description="Unlabelled phrasings read as asking a topic")


def _topic_probabilities(
    data: TopicData,
    labels: list[str],
    folds: list[tuple[np.ndarray, np.ndarray]],
    training: Training,
) -> tuple[list[str], np.ndarray]:
    """The classes (the topic lines may add some no phrasing has) and the out-of-fold probability
    of each for every phrasing."""
    classes = sorted(set(labels) | {OVERVIEW} | {topic for _, topic in data.lines})
    out = np.zeros((len(labels), len(classes)))
    column = {topic: j for j, topic in enumerate(classes)}
    for train_idx, test_idx in folds:
        classifier = data.fit(train_idx, labels, training)
        found = classifier.predict_proba([data.texts[i] for i in test_idx])
        columns = [column[topic] for topic in classifier.classes]
        out[np.ix_(test_idx, columns)] = found
    return classes, out


def clean_general(
    data: TopicData, folds: list[tuple[np.ndarray, np.ndarray]], training: Training
) -> list[str]:
    """Labels with the unlabelled phrasings that plainly ask a topic given that topic.

    Writers leave many topic questions unlabelled ("Thành phần hồ sơ … gồm những gì?"), and the
    general class learns those words too. Confident learning (Northcutt et al., 2021): a topic's
    threshold is the mean out-of-fold probability its own labelled phrasings get; a general
    phrasing whose probability of some topic reaches that topic's threshold takes the likeliest
    such topic. No threshold is set by hand.
    """
    classes, probabilities = _topic_probabilities(data, data.labels, folds, training)
    given = np.array(data.labels)
    thresholds = np.array(
        [
            probabilities[given == topic, j].mean() if (given == topic).any() else np.inf
            for j, topic in enumerate(classes)
        ]
    )
    reaching = (probabilities >= thresholds) & (np.array(classes) != OVERVIEW)
    cleaned = list(data.labels)
    for i in np.flatnonzero((given == OVERVIEW) & reaching.any(axis=1)):
        cleaned[i] = classes[int(np.argmax(np.where(reaching[i], probabilities[i], -1.0)))]
    return cleaned


def fit_topics(data: TopicData, training: Training) -> TopicFit:
    """The topic classifier on every labelled phrasing (general ones cleaned by
    :func:`clean_general`) and the names, with its procedure-grouped CV accuracy."""
    folds = group_folds(data.groups, training.folds)
    cleaned = clean_general(data, folds, training)
    classes, probabilities = _topic_probabilities(data, cleaned, folds, training)
    predicted = np.array(classes)[probabilities.argmax(axis=1)]
    given, kept = np.array(data.labels), np.array(cleaned)
    topic, general = given != OVERVIEW, kept == OVERVIEW
    return TopicFit(
        classifier=data.fit(np.arange(len(data.texts)), cleaned, training),
        accuracy=float((predicted[topic] == given[topic]).mean()) if topic.any() else 0.0,
        general_accuracy=float((predicted[general] == OVERVIEW).mean()) if general.any() else 0.0,
        relabelled=int((given != kept).sum()),
    )
