"""Vague questions: how citizens ask about a procedure without saying what sets it apart.

A curator sharpens a phrasing the self-retrieval audit lists (docs/curation.md, section 3.3), so
the indexed phrasing says what sets its procedure apart from its siblings. Citizens often do not.
``knowledge_base/vague_questions.yml`` keeps each first wording beside the phrasing it became. They
are never indexed: training searches each with its sharpened wording left out of the index (a
paraphrase of it would give the answer away), so that the ranker, the scope gate and the confidence
model also learn from questions as vague as citizens' questions (``bot.search.selfsearch``).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

VAGUE_FILE = "vague_questions.yml"


class VagueQuestion(BaseModel):
    """A question that fits its entry without saying what sets it apart, and its sharpened form."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entry: str = Field(min_length=1, description="Procedure code, or faq:<id> of an FAQ entry")
    text: str = Field(min_length=1, description="The question as first worded")
    sharpened: str = Field(
        min_length=1, description="The curated phrasing it became, under the entry's `questions:`"
    )


class VagueQuestions(BaseModel):
    """The file's content."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    questions: list[VagueQuestion] = Field(default_factory=list)


def load_vague_questions(kb_dir: Path) -> VagueQuestions:
    """Read ``<kb_dir>/vague_questions.yml``; none when the file is absent."""
    path = kb_dir / VAGUE_FILE
    if not path.exists():
        return VagueQuestions()
    return VagueQuestions.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
