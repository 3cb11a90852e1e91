"""``isee kb check``: validate the whole knowledge base and list every problem with its location."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.knowledge.check import CheckReport, check_knowledge_base
from bot.settings import get_settings


def check(
    kb_dir: Annotated[
        Path | None,
        typer.Option("--kb-dir", help="Knowledge-base folder (default: ISEE_KB_DIR)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as one JSON object.")
    ] = False,
) -> None:
    """Check every knowledge-base file; exit 1 when any error is found."""
    folder = kb_dir or get_settings().kb_dir
    if not folder.is_dir():
        typer.echo(f"Không tìm thấy thư mục cơ sở tri thức: {folder}", err=True)
        raise typer.Exit(2)
    report = check_knowledge_base(folder)
    if as_json:
        payload = report.model_dump(mode="json")
        payload.update(errors=len(report.errors), warnings=len(report.warnings))
        typer.echo(json.dumps(payload, ensure_ascii=False))
    else:
        print_report(report)
    if report.errors:
        raise typer.Exit(1)


def print_report(report: CheckReport) -> None:
    """Every problem with its location, then a one-line summary."""
    for problem in report.problems:
        typer.echo(str(problem))
    typer.echo(
        f"Đã kiểm tra {report.files} tệp ({report.procedures} thủ tục, {report.faqs} câu hỏi "
        f"chung, {report.questions} câu hỏi do cán bộ viết): {len(report.errors)} lỗi, "
        f"{len(report.warnings)} cảnh báo."
    )


def register(app: typer.Typer) -> None:
    """Add ``check`` to the ``isee kb`` command group."""
    app.command("check")(check)
