"""Requirement answers from the portal's live data, the knowledge base's when the portal fails."""

from __future__ import annotations

from bot.answers.ports import Portal
from bot.knowledge.entries import procedure_entries, with_provenance
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.schema import Channel, Document, Entry
from bot.portal.requirements import lookup_requirements

LIVE_TOPICS = frozenset({"ho_so", "le_phi", "thoi_han", "noi_nop"})
"""Topics the portal's requirements data answers (documents, fee, time, where)."""


async def live_answer(entry: Entry, kb: KnowledgeBase, portal: Portal) -> str | None:
    """The entry's answer rendered from today's portal data, saying where it comes from.

    ``None`` when the topic has no live data (the knowledge-base answer stands as it is).
    """
    if entry.kind != "procedure" or entry.topic not in LIVE_TOPICS or not entry.procedure:
        return None
    procedure = kb.procedures.get(entry.procedure)
    if procedure is None:
        return None
    successor = kb.procedures.get(procedure.superseded_by) if procedure.superseded_by else None
    requirements = await lookup_requirements(successor or procedure, portal)
    if requirements.source != "portal":
        return f"{entry.answer}\n\n{requirements.provenance}"  # a warning, not a second source
    current = successor or procedure
    live = current.effective().model_copy(
        update={
            "overrides": None,
            "agency": requirements.agency,
            "address": requirements.address,
            "documents": [Document(**d.model_dump()) for d in requirements.documents],
            "channels": [Channel(**c.model_dump()) for c in requirements.channels],
            "data_date": requirements.data_date,
        }
    )
    rules = kb.answer_rules
    rendered = (
        procedure_entries(procedure, rules, live) if successor else procedure_entries(live, rules)
    )
    answer = next(e.answer for e in rendered if e.topic == entry.topic)
    return with_provenance(answer, requirements.provenance)
