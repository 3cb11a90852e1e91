"""The out-of-scope corpus: questions the portal does not serve, grouped by subject.

``knowledge_base/out_of_scope.yml`` is written independently of any evaluation set (banks, phone
plans, shops, prices, weather, private disputes, entertainment…). The scope gate learns from it
what a question outside the knowledge base looks like, and the index keeps it so that a citizen's
question can be compared with it (its closest out-of-scope line is a feature of the gate).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

OUTSIDE_FILE = "out_of_scope.yml"


class OutsideCorpus(BaseModel):
    """Subjects the assistant must decline, each with how people ask about them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    categories: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("categories")
    @classmethod
    def _no_blank(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, lines in value.items():
            if any(not line.strip() for line in lines):
                raise ValueError(f"category {name!r} has an empty line")
        return value

    def lines(self) -> list[tuple[str, str]]:
        """(category, text) pairs in file order, without repeats."""
        seen: set[str] = set()
        out = []
        for name, texts in self.categories.items():
            for text in texts:
                if text not in seen:
                    seen.add(text)
                    out.append((name, text))
        return out


def load_outside(kb_dir: Path) -> OutsideCorpus:
    """Read ``<kb_dir>/out_of_scope.yml``; an empty corpus when the file is absent."""
    path = kb_dir / OUTSIDE_FILE
    if not path.exists():
        return OutsideCorpus()
    return OutsideCorpus.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
