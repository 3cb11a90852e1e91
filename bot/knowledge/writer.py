"""Write procedures as human-friendly, deterministic YAML, keeping staff edits across re-imports."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from bot.knowledge.importer import Built
from bot.knowledge.loader import CENTRAL_FILE, PROCEDURES_DIR, parse_file, procedure_files
from bot.knowledge.schema import Procedure
from bot.textfold import strip_marks

REPORT_FILE = "import-report.json"
SCHEMA_FILE = "schema/procedure.schema.json"
STAFF_FIELDS = ("questions", "overrides")
HEADER = (
    "# yaml-language-server: $schema=../../schema/procedure.schema.json\n"
    "# Thủ tục {code}: tạo tự động bằng lệnh `isee kb import` (dữ liệu nguồn ngày {date}).\n"
    "# Cán bộ chỉ sửa hai mục `questions:` (cách người dân hỏi) và `overrides:` (sửa thông tin,\n"
    "# ví dụ lệ phí); các mục khác được ghi lại mỗi lần nhập. Xem docs/curation.md.\n"
)
CENTRAL_HEADER = (
    "# Thủ tục do cơ quan trung ương (bộ, ngành) giải quyết, không thực hiện tại địa phương.\n"
    "# Trợ lý ảo chỉ giới thiệu và chỉ đường tới Cổng Dịch vụ công quốc gia. Tạo bằng `isee kb import`.\n"
)


class _Dumper(yaml.CSafeDumper if hasattr(yaml, "CSafeDumper") else yaml.SafeDumper):  # type: ignore[misc]
    """Block style, unicode kept, multi-line text as literal blocks."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


class FileChange(BaseModel):
    """One procedure file the import created, changed or removed."""

    model_config = ConfigDict(frozen=True)

    path: str
    status: str
    fields: list[str] = Field(default_factory=list)


class ImportSummary(BaseModel):
    """What one import run did to the knowledge base."""

    model_config = ConfigDict(frozen=True)

    procedures: int
    created: int
    updated: int
    unchanged: int
    removed: int
    kept_with_staff_edits: int
    changes: list[FileChange]


def field_slug(field: str) -> str:
    """Folder name for a field: accent-free, lower-case, hyphenated, without a ``[SVH] -`` tag."""
    text = re.sub(r"^\[[^\]]*\]\s*-\s*", "", field)
    return re.sub(r"[^a-z0-9]+", "-", strip_marks(text)).strip("-")[:60].rstrip("-") or "khac"


def procedure_path(kb_dir: Path, procedure: Procedure) -> Path:
    """Where ``procedure`` lives: ``procedures/<field-slug>/<code>.yml``."""
    return kb_dir / PROCEDURES_DIR / field_slug(procedure.field) / f"{procedure.code}.yml"


def dump_yaml(data: Any) -> str:
    """Deterministic block-style YAML with unicode characters kept as they are."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
    )


def render_procedure(procedure: Procedure) -> str:
    """The full text of a procedure file."""
    data = procedure.model_dump(mode="json", exclude_none=True)
    header = HEADER.format(code=procedure.code, date=procedure.data_date.isoformat())
    return header + dump_yaml(data)


def procedure_json_schema() -> str:
    """The JSON Schema of a procedure file, for editors (e.g. the YAML extension of VS Code)."""
    schema = Procedure.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _changed_fields(old: Procedure, new: Procedure) -> list[str]:
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    return [key for key in after if before.get(key) != after.get(key)]


def write_knowledge_base(built: Built, kb_dir: Path, report_meta: dict[str, Any]) -> ImportSummary:
    """Write every procedure, the central index and the import report under ``kb_dir``.

    Staff fields (``questions``, ``overrides``) of existing files are carried over. Every existing
    file is validated first, so a broken file stops the run before anything is written.
    """
    existing = {path.stem: (path, parse_file(path, Procedure)) for path in procedure_files(kb_dir)}
    changes: list[FileChange] = []
    counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0, "kept": 0}
    for code in sorted(built.procedures):
        procedure = built.procedures[code]
        old_path, old = existing.pop(code, (None, None))
        if old is not None:
            procedure = procedure.model_copy(
                update={name: getattr(old, name) for name in STAFF_FIELDS}
            )
        path = procedure_path(kb_dir, procedure)
        text = render_procedure(procedure)
        relative = path.relative_to(kb_dir).as_posix()
        if old is None:
            counts["created"] += 1
            changes.append(FileChange(path=relative, status="created"))
        elif old_path == path and path.read_text(encoding="utf-8") == text:
            counts["unchanged"] += 1
            continue
        else:
            counts["updated"] += 1
            changes.append(
                FileChange(path=relative, status="updated", fields=_changed_fields(old, procedure))
            )
        _write(path, text)
        if old_path is not None and old_path != path:
            old_path.unlink()
    for _code, (path, old) in sorted(existing.items()):
        relative = path.relative_to(kb_dir).as_posix()
        if old.questions or old.overrides:
            counts["kept"] += 1
            changes.append(
                FileChange(path=relative, status="kept: not in the sources, has staff edits")
            )
        else:
            counts["removed"] += 1
            changes.append(FileChange(path=relative, status="removed: no longer in the sources"))
            path.unlink()
    _remove_empty_dirs(kb_dir / PROCEDURES_DIR)
    central = built.central.model_dump(mode="json", exclude_none=True)
    _write(kb_dir / CENTRAL_FILE, CENTRAL_HEADER + dump_yaml(central))
    report = {
        **report_meta,
        "items": [item.model_dump(mode="json", exclude_none=True) for item in built.report],
    }
    _write(kb_dir / REPORT_FILE, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    _write(kb_dir / SCHEMA_FILE, procedure_json_schema())
    return ImportSummary(
        procedures=len(built.procedures),
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        removed=counts["removed"],
        kept_with_staff_edits=counts["kept"],
        changes=changes,
    )


def _remove_empty_dirs(root: Path) -> None:
    if not root.exists():
        return
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
