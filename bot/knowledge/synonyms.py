"""The staff-editable synonym and abbreviation list (``knowledge_base/synonyms.yml``)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SYNONYMS_FILE = "synonyms.yml"


def _key(text: str) -> str:
    """Comparison key: NFC, lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


class SynonymGroup(BaseModel):
    """Ways citizens say something, and the wording the procedures use for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    canonical: str = Field(min_length=2, description="Wording used in procedure names")
    terms: list[str] = Field(min_length=1, description="Citizen wordings, abbreviations, old names")

    @field_validator("canonical")
    @classmethod
    def _strip_canonical(cls, value: str) -> str:
        return " ".join(value.split())

    @field_validator("terms")
    @classmethod
    def _clean_terms(cls, values: list[str]) -> list[str]:
        cleaned = [" ".join(v.split()) for v in values]
        if any(not v for v in cleaned):
            raise ValueError("a term must not be empty")
        return cleaned

    @model_validator(mode="after")
    def _canonical_not_a_term(self) -> SynonymGroup:
        if _key(self.canonical) in {_key(t) for t in self.terms}:
            raise ValueError(f"'{self.canonical}' is listed as its own synonym")
        return self


class Shorthand(BaseModel):
    """A chat shorthand (teencode) and the word it stands for, e.g. ``ko`` → ``không``; or the
    words it may stand for (``đk``: đăng ký, điều kiện, được), of which the search takes the one
    its neighbours make likeliest (``bot.search.rewrite``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    short: str = Field(min_length=1, pattern=r"^\S+$", description="One token as typed")
    full: str | list[str] = Field(
        description="The word it stands for, or a list of the words it may stand for"
    )

    @field_validator("full")
    @classmethod
    def _clean_meanings(cls, value: str | list[str]) -> str | list[str]:
        meanings = [value] if isinstance(value, str) else value
        cleaned = [" ".join(m.split()) for m in meanings]
        if not cleaned or any(not m for m in cleaned):
            raise ValueError("a shorthand stands for at least one non-empty word")
        if len({_key(m) for m in cleaned}) < len(cleaned):
            raise ValueError("a meaning is listed twice")
        return cleaned[0] if isinstance(value, str) else cleaned

    @property
    def meanings(self) -> tuple[str, ...]:
        """What it may stand for, one or more."""
        return (self.full,) if isinstance(self.full, str) else tuple(self.full)


class SynonymList(BaseModel):
    """The whole ``synonyms.yml``: phrase synonyms and single-token chat shorthands."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    synonyms: list[SynonymGroup] = Field(default_factory=list)
    shorthands: list[Shorthand] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_duplicates(self) -> SynonymList:
        seen: dict[str, str] = {}
        for group in self.synonyms:
            for term in group.terms:
                key = _key(term)
                if key in seen and seen[key] != group.canonical:
                    raise ValueError(
                        f"term '{term}' maps to both '{seen[key]}' and '{group.canonical}'"
                    )
                seen[key] = group.canonical
        shorts = [_key(s.short) for s in self.shorthands]
        duplicates = sorted({s for s in shorts if shorts.count(s) > 1})
        if duplicates:
            raise ValueError(f"shorthand listed twice: {', '.join(duplicates)}")
        return self


def load_synonyms(kb_dir: Path) -> SynonymList:
    """Read and validate ``<kb_dir>/synonyms.yml``; an absent file means no synonyms."""
    path = kb_dir / SYNONYMS_FILE
    if not path.exists():
        return SynonymList()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return SynonymList.model_validate(data)
