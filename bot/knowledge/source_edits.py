"""Staff corrections of the imported sources, applied on every import.

``knowledge_base/source_edits.yml`` lists items of a procedure's ``steps`` or ``conditions`` that
staff reword (same facts, other words) with the reason, and provincial procedures that a newer
national record replaces (``successors``: the link the importer's name rule cannot make because the
new record renamed the procedure). The importer applies them after joining the sources, so a
re-import reproduces the committed files; an edit whose text is no longer in the source, or a link
whose records are not (or no longer) an old provincial record and a national one, stops the
import, so a changed record is reviewed rather than silently left as it was.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.knowledge.schema import BASE_CODE_PATTERN, Procedure

SOURCE_EDITS_FILE = "source_edits.yml"


class SourceEditError(ValueError):
    """An edit or link that is malformed or no longer matches the imported records."""


class SourceEdit(BaseModel):
    """One item of a procedure's steps or conditions, reworded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    field: Literal["steps", "conditions"]
    text: str = Field(min_length=1, description="The item exactly as the import writes it")
    becomes: str = Field(min_length=1, description="The reworded item (the same facts)")
    reason: str = Field(min_length=1)


class Successor(BaseModel):
    """A provincial procedure that a newer national record replaces."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=BASE_CODE_PATTERN, description="The old provincial procedure")
    superseded_by: str = Field(pattern=BASE_CODE_PATTERN, description="The national record")
    reason: str = Field(min_length=1, description="Why it is the same procedure, newer")


class SourceEdits(BaseModel):
    """The whole ``source_edits.yml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    edits: list[SourceEdit]
    successors: list[Successor]

    @field_validator("successors")
    @classmethod
    def _one_link_per_code(cls, successors: list[Successor]) -> list[Successor]:
        codes = Counter(link.code for link in successors)
        twice = sorted(code for code, count in codes.items() if count > 1)
        if twice:
            raise ValueError(f"a procedure has one successor; linked twice: {', '.join(twice)}")
        return successors


def load_source_edits(kb_dir: Path) -> SourceEdits:
    """Read ``<kb_dir>/source_edits.yml`` (required, possibly with no edits)."""
    path = kb_dir / SOURCE_EDITS_FILE
    try:
        return SourceEdits.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as exc:
        raise SourceEditError(f"{SOURCE_EDITS_FILE}: {exc}") from exc


def apply_source_edits(
    procedures: dict[str, Procedure], edits: SourceEdits
) -> dict[str, Procedure]:
    """``procedures`` with every edit applied; :class:`SourceEditError` when one does not match."""
    out = dict(procedures)
    for edit in edits.edits:
        procedure = out.get(edit.code)
        if procedure is None:
            raise SourceEditError(f"{SOURCE_EDITS_FILE}: {edit.code} is not an imported procedure")
        items: list[str] = getattr(procedure, edit.field)
        if edit.text not in items:
            raise SourceEditError(
                f"{SOURCE_EDITS_FILE}: {edit.code} {edit.field} no longer has {edit.text!r}:"
                " the source changed, review the edit"
            )
        reworded = [edit.becomes if item == edit.text else item for item in items]
        out[edit.code] = procedure.model_copy(update={edit.field: reworded})
    return out
