"""Search documents: one per procedure (name + curated phrasings) and one per FAQ.

Retrieval works at procedure level; the topic entry (``<code>:<topic>``) is chosen afterwards from
the detected topic, so the ten topic entries of a procedure share one set of vectors.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.schema import Entry


class SearchDoc(BaseModel):
    """A retrievable unit and the entries it leads to."""

    model_config = ConfigDict(frozen=True)

    key: str = Field(description="Procedure base code, or the FAQ entry id")
    kind: Literal["procedure", "faq"]
    title: str
    texts: list[str] = Field(description="Name first, then curated phrasings")
    topics: list[str | None] = Field(
        default_factory=list,
        description="Topic label of each text of a procedure ('tong_quan' when general, None: name)",
    )
    entries: dict[str, str] = Field(description="Topic (or 'faq') → entry id")
    field: str | None = Field(None, description="Field (lĩnh vực) of the procedure")
    agency: str | None = Field(None, description="Implementing agency, when the record names it")
    preferred: bool = True


def _procedure_doc(code: str, entries: list[Entry], kb: KnowledgeBase) -> SearchDoc:
    procedure = kb.procedures.get(code)
    name = entries[0].procedure_name or entries[0].title
    questions: dict[str, str] = {}
    preferred = all(entry.preferred for entry in entries)
    agency = None
    if procedure is not None:
        effective = procedure.effective()
        name = effective.name
        agency = effective.agency
        for question in effective.questions:
            questions.setdefault(question.text, question.topic or "tong_quan")
        preferred = preferred and procedure.preferred and procedure.superseded_by is None
    return SearchDoc(
        key=code,
        kind="procedure",
        title=name,
        texts=[name, *(q for q in questions if q != name)],
        topics=[None, *(t for q, t in questions.items() if q != name)],
        entries={(entry.topic or "tong_quan"): entry.id for entry in entries},
        field=entries[0].field,
        agency=agency,
        preferred=preferred,
    )


def build_documents(kb: KnowledgeBase) -> list[SearchDoc]:
    """Documents for every procedure with entries and every FAQ entry, in a stable order."""
    by_procedure: dict[str, list[Entry]] = defaultdict(list)
    docs: list[SearchDoc] = []
    for entry in kb.entries:
        if entry.kind == "procedure" and entry.procedure:
            by_procedure[entry.procedure].append(entry)
        elif entry.kind == "faq":
            texts = list(dict.fromkeys([entry.title, *entry.questions]))
            docs.append(
                SearchDoc(
                    key=entry.id,
                    kind="faq",
                    title=entry.title,
                    texts=texts,
                    entries={"faq": entry.id},
                )
            )
    procedure_docs = [_procedure_doc(code, by_procedure[code], kb) for code in sorted(by_procedure)]
    return procedure_docs + sorted(docs, key=lambda doc: doc.key)


def entry_for(doc: SearchDoc, topic: str | None) -> tuple[str, str | None]:
    """The entry id answering ``topic`` for ``doc`` (overview when the topic has no entry)."""
    if doc.kind == "faq":
        return doc.entries["faq"], None
    for candidate in (topic, "tong_quan", *doc.entries):
        if candidate and candidate in doc.entries:
            return doc.entries[candidate], candidate
    raise ValueError(f"document {doc.key} has no entries")
