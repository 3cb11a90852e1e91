"""Counts that describe the knowledge base (``isee kb stats``)."""

from __future__ import annotations

from pydantic import BaseModel

from bot.knowledge.loader import KnowledgeBase


class KbStats(BaseModel):
    """The keys of ``isee kb stats --json``."""

    procedures: int
    entries: int
    faq: int
    procedures_with_details: int
    entries_with_facts: int
    procedures_national: int
    answers_with_district_notice: int
    questions: int
    procedures_with_questions: int
    questions_with_topic: int


def kb_stats(kb: KnowledgeBase) -> KbStats:
    """Count ``kb``."""
    procedures = kb.procedures.values()
    return KbStats(
        procedures=len(kb.procedures),
        entries=len(kb.entries),
        faq=len(kb.faqs),
        procedures_with_details=sum(p.has_details for p in procedures),
        entries_with_facts=sum(e.has_facts for e in kb.entries if e.kind == "procedure"),
        procedures_national=sum(p.source == "national" for p in procedures),
        answers_with_district_notice=sum(e.district_notice for e in kb.entries),
        questions=sum(len(p.questions) for p in procedures)
        + sum(len(f.questions) for f in kb.faqs),
        procedures_with_questions=sum(bool(p.questions) for p in procedures),
        questions_with_topic=sum(q.topic is not None for p in procedures for q in p.questions),
    )
