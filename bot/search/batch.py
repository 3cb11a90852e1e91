"""Batch search: one question a line in, one JSON-ready object a line out, in input order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from bot.search.searcher import Searcher

MAX_LINE_CHARS = 10_000


def answer_line(searcher: Searcher, line: str, k: int) -> dict[str, Any]:
    """The search result for one input line, or ``{"error": …}`` for a line that is not a question."""
    text = line.strip()
    if not text:
        return {"error": "dòng trống: không có câu hỏi"}
    if len(text) > MAX_LINE_CHARS:
        return {"error": f"câu hỏi dài quá {MAX_LINE_CHARS} ký tự"}
    try:
        return searcher.search(text, k=k).model_dump()
    except (ValueError, RuntimeError) as exc:
        return {"error": f"không tìm được: {exc}"}


def run_batch(searcher: Searcher, lines: Iterable[str], k: int = 5) -> Iterator[dict[str, Any]]:
    """Answer every line with the same searcher (model and index loaded once)."""
    for line in lines:
        yield answer_line(searcher, line, k)
