"""``isee kb import`` and ``isee kb stats``: build the knowledge base from the sources, count it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.knowledge.importer import build
from bot.knowledge.loader import KnowledgeBaseError, load_knowledge_base
from bot.knowledge.national import read_national
from bot.knowledge.province import SourceError, read_province
from bot.knowledge.source_edits import SourceEditError, apply_source_edits, load_source_edits
from bot.knowledge.stats import kb_stats
from bot.knowledge.writer import ImportSummary, write_knowledge_base
from bot.settings import get_settings

console = Console(stderr=True)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _print_summary(summary: ImportSummary) -> None:
    console.print(
        f"{summary.procedures} thủ tục: {summary.created} mới, {summary.updated} thay đổi, "
        f"{summary.unchanged} không đổi, {summary.removed} đã xoá, "
        f"{summary.kept_with_staff_edits} giữ lại vì có chỉnh sửa của cán bộ."
    )
    for change in summary.changes[:200]:
        fields = f" ({', '.join(change.fields)})" if change.fields else ""
        console.print(f"  {change.status}: {change.path}{fields}")
    if len(summary.changes) > 200:
        console.print(f"  … và {len(summary.changes) - 200} tệp khác.")


def import_command(
    province_csv: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Province CSV")],
    national_jsonl: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="National records (.jsonl or .gz)")
    ],
    data_date: Annotated[
        dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="Snapshot date of the sources")
    ],
    kb_dir: Annotated[Path | None, typer.Option(help="Knowledge base folder")] = None,
) -> None:
    """Import the province list and the national records into knowledge_base/procedures/."""
    target = kb_dir or get_settings().kb_dir
    try:
        rows = read_province(province_csv)
    except SourceError as exc:
        console.print(f"[red]{exc}[/red]\nKhông ghi gì; kiểm tra lại tệp nguồn.")
        raise typer.Exit(code=1) from exc
    records, bad_lines = read_national(national_jsonl)
    if bad_lines:
        for bad in bad_lines:
            console.print(f"[red]{national_jsonl.name}:{bad.line}: {bad.reason}[/red]")
        raise typer.Exit(code=1)
    try:
        source_edits = load_source_edits(target)
        built = build(rows, records, data_date.date(), source_edits.successors)
        edited = apply_source_edits(built.procedures, source_edits)
    except SourceEditError as exc:
        console.print(
            f"[red]{exc}[/red]\nKhông ghi gì; kiểm tra lại mục sửa lời hoặc liên kết thủ tục"
            " thay thế nêu trên."
        )
        raise typer.Exit(code=1) from exc
    built = built.model_copy(update={"procedures": edited})
    meta = {
        "data_date": data_date.date().isoformat(),
        "sources": {
            "province_csv": {
                "file": province_csv.name,
                "sha256": _sha256(province_csv),
                "rows": len(rows),
            },
            "national_jsonl": {
                "file": national_jsonl.name,
                "sha256": _sha256(national_jsonl),
                "records": len(records),
            },
        },
        "counts": {
            "procedures": len(built.procedures),
            "procedures_provincial": sum(
                p.source == "provincial" for p in built.procedures.values()
            ),
            "procedures_national": sum(p.source == "national" for p in built.procedures.values()),
            "central_only": len(built.central.procedures),
            **dict(sorted(Counter(item.action for item in built.report).items())),
        },
    }
    try:
        summary = write_knowledge_base(built, target, meta)
    except KnowledgeBaseError as exc:
        console.print(f"[red]{exc}[/red]\nKhông ghi gì; sửa tệp trên rồi chạy lại.")
        raise typer.Exit(code=1) from exc
    _print_summary(summary)


def stats_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    kb_dir: Annotated[Path | None, typer.Option(help="Knowledge base folder")] = None,
) -> None:
    """Count procedures, entries and FAQ of the knowledge base."""
    settings = get_settings()
    try:
        kb = load_knowledge_base(kb_dir or settings.kb_dir, cache_dir=settings.build_dir)
    except KnowledgeBaseError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(code=1) from exc
    stats = kb_stats(kb).model_dump()
    if as_json:
        typer.echo(json.dumps(stats))
        return
    for key, count in stats.items():
        typer.echo(f"{key}: {count}")


def register(app: typer.Typer) -> None:
    """Add ``import`` and ``stats`` to the ``isee kb`` command group."""
    app.command("import")(import_command)
    app.command("stats")(stats_command)
