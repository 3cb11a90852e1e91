"""Preparing a question for retrieval: cleaned, rewritten, the topics asked read and stripped.

The prepared :class:`Query` is what every piece of evidence (``bot.search.evidence``) is
computed from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.synonyms import SynonymList
from bot.search.agencies import AgencyMention, find_agency, strip_agency
from bot.search.config import SearchConfig
from bot.search.diacritics import DiacriticRestorer
from bot.search.documents import SearchDoc
from bot.search.lexical import LexicalIndex
from bot.search.negation import Negations
from bot.search.noise import Fillers
from bot.search.normalize import clean, fold, is_accentless
from bot.search.qualifiers import Qualifiers
from bot.search.rewrite import Rewriter
from bot.search.spelling import Speller
from bot.search.topics import detect_topic, strip_span, strip_topics
from bot.search.variants import asked_actions
from bot.search.word_models import TopicClassifier


@dataclass(frozen=True)
class Query:
    """A question prepared for retrieval."""

    text: str
    retrieval: str  # without topic words, fillers and the office mention
    # What the dense model embeds: the retrieval text's last words, given back their diacritics
    # when typed without (``QueryPreparer.dense_text``). The index build embeds curated phrasings
    # from it too, so both sides are the same.
    dense_text: str
    lexical_text: str  # retrieval text plus the words synonyms replaced
    whole_text: str  # the rewritten question with its topic words, fillers removed
    topic_text: str  # rewritten text the topic classifier reads
    topics: tuple[str, ...]  # what the classifier reads it asks, the main topic first
    accentless: bool
    office: AgencyMention | None
    asked: frozenset[str]
    said: frozenset[int]
    syllables: frozenset[str]
    content: frozenset[str]  # the content words of ``retrieval``
    negated: frozenset[str]  # content words the question says it does not mean ("không phải …")

    @property
    def content_words(self) -> int:
        """How many content words are left once topic words and fillers are removed."""
        return len(self.content)


def content_syllables(text: str, stop_words: frozenset[str]) -> frozenset[str]:
    """The folded words of ``text`` that carry content (``stop_words`` left out)."""
    return frozenset(t for t in fold(text).split() if t not in stop_words)


class QueryPreparer:
    """Turns a question into a :class:`Query`: typing mistakes, synonyms, topics, office mention,
    qualifiers."""

    def __init__(
        self,
        synonyms: SynonymList,
        config: SearchConfig,
        qualifiers: Qualifiers,
        restorer: DiacriticRestorer,
        speller: Speller,
    ) -> None:
        self.rewriter = Rewriter(synonyms, restorer)
        self.restorer = restorer
        self.speller = speller
        self.config = config
        self.qualifiers = qualifiers
        self.fillers = Fillers(config.fillers)
        self.negations = Negations(config.negation)
        self.stop_words = frozenset(config.stop_words)
        separators = sorted(config.topic_clauses.separators, key=len, reverse=True)
        self._clause_split = re.compile(
            "|".join(
                rf"(?<!\w){re.escape(word)}(?!\w)" if word.isalnum() else re.escape(word)
                for word in separators
            ),
            re.IGNORECASE,
        )

    @classmethod
    def of_index(
        cls,
        docs: list[SearchDoc],
        lexical: LexicalIndex,
        restorer: DiacriticRestorer,
        outside_lexical: LexicalIndex,
        synonyms: SynonymList,
        config: SearchConfig,
    ) -> QueryPreparer:
        """The preparer of an index: ``restorer`` learned from the index's documents and
        out-of-scope lines (``DiacriticRestorer.of_index``), and its speller."""
        agencies = [doc.agency for doc in docs if doc.agency]
        speller = Speller.of_index(lexical, outside_lexical, synonyms, agencies, restorer, config)
        qualifiers = Qualifiers(config.qualifiers, config.field_qualifiers)
        return cls(synonyms, config, qualifiers, restorer, speller)

    def prepare(self, query: str, topics_model: TopicClassifier | None) -> Query:
        """Clean, correct, rewrite and strip ``query`` for retrieval; ``topics_model`` reads the
        topics asked (none without one)."""
        text = self.speller.correct(clean(query)[: self.config.max_query_chars])
        whole = self.rewriter.rewrite(text)
        # What the question says it does not mean ("chứ không phải cấp lại") is not matched.
        split = self.negations.split(text)
        kept = split.kept
        rewritten = self.rewriter.rewrite(kept) if split.negated else whole
        accentless = is_accentless(text)
        topics = self.topics_asked(whole.text, topics_model)
        # The words naming what is asked are not matched; a question asking several topics
        # ("cần giấy tờ gì, lệ phí bao nhiêu") loses all of them, one asking one its last.
        if len(topics) > 1:
            asked_topic = strip_topics(rewritten.text)
        else:
            asked_topic = strip_span(rewritten.text, detect_topic(rewritten.text))
        office = find_agency(asked_topic, accentless)
        retrieval = self.fillers.remove(strip_agency(asked_topic, office), accentless)
        replaced = " ".join(rewritten.replaced)
        return Query(
            text=text,
            retrieval=retrieval,
            dense_text=self.dense_text(retrieval, accentless),
            lexical_text=f"{retrieval} {replaced}",
            whole_text=f"{self.fillers.remove(whole.text, accentless)} {' '.join(whole.replaced)}",
            topic_text=whole.text,
            topics=tuple(topics),
            accentless=accentless,
            office=office,
            asked=asked_actions(kept),
            said=self.qualifiers.said(kept, rewritten.text),
            syllables=self._words(kept, rewritten.text),
            content=content_syllables(retrieval, self.stop_words),
            negated=self._words(split.negated, self.rewriter.rewrite(split.negated).text)
            if split.negated
            else frozenset(),
        )

    def _words(self, typed: str, rewritten: str) -> frozenset[str]:
        """The content words of a text as typed and as rewritten (a synonym's words count too)."""
        return content_syllables(rewritten, self.stop_words) | content_syllables(
            typed, self.stop_words
        )

    def dense_text(self, retrieval: str, accentless: bool) -> str:
        """The text the dense model embeds for a question's ``retrieval`` text: its last
        ``dense_max_words`` words (a long question ends with what it asks, and short inputs embed
        fast), with their diacritics restored when the question is typed without them."""
        words = " ".join(retrieval.split()[-self.config.dense_max_words :])
        return self.restorer.restore(words) if accentless else words

    def topic_text(self, query: str) -> str:
        """``query`` as the topic classifier reads it: cleaned and rewritten (``Query.topic_text``)."""
        return self.rewriter.rewrite(clean(query)[: self.config.max_query_chars]).text

    def topics_asked(self, text: str, topics_model: TopicClassifier | None) -> list[str]:
        """The topics the classifier reads in ``text`` (none without trained models)."""
        if topics_model is None:
            return []
        return topics_model.asked(
            text, self._clauses(text), self.config.topic_clauses.min_probability
        )

    def _clauses(self, text: str) -> list[str]:
        """The parts of a question between the separators of ``topic_clauses`` (two or more)."""
        parts = [part.strip() for part in self._clause_split.split(text)]
        clauses = [
            part for part in parts if len(part.split()) >= self.config.topic_clauses.min_words
        ]
        return clauses if len(clauses) > 1 else []
