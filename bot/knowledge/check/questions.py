"""Rules over curated questions: each written once, none equal to another procedure's name; the
vague questions point at phrasings that exist."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from bot.knowledge.check.checker import Checker, Question, same_text_key
from bot.knowledge.vague_questions import VAGUE_FILE, VagueQuestions


def check_duplicate_questions(checker: Checker) -> None:
    """A curated question written twice, or equal to the name of another procedure."""
    names: dict[str, list[str]] = defaultdict(list)
    for code in sorted(checker.procedures):
        names[same_text_key(checker.procedures[code][0].effective().name)].append(code)
    first: dict[str, Question] = {}
    for question in checker.questions:
        key = same_text_key(question.text)
        named = names.get(key, [])
        if named and question.procedure not in named:
            checker.add(
                Path(question.file),
                (question.line, question.column),
                f"câu hỏi '{question.text}' trùng đúng tên thủ tục {', '.join(named)}",
                "xóa câu này; tên thủ tục đã được tìm kiếm sẵn",
            )
        earlier = first.setdefault(key, question)
        if earlier is question:
            continue
        same_owner = earlier.owner == question.owner
        checker.add(
            Path(question.file),
            (question.line, question.column),
            f"câu hỏi '{question.text}' đã có ở {earlier.file}:{earlier.line}"
            + ("" if same_owner else f" (thuộc {earlier.owner})"),
            "xóa câu lặp lại"
            if same_owner
            else "mỗi câu hỏi chỉ thuộc một mục; giữ ở mục đúng nhất",
            "warning" if same_owner else "error",
        )


def check_vague_questions(checker: Checker) -> None:
    """Each vague question names a phrasing its entry still has (``vague_questions.yml``)."""
    path = checker.kb_dir / VAGUE_FILE
    if not path.exists():
        return
    vague, marked = checker.load(path, VagueQuestions)
    if vague is None:
        return
    phrasings = {(question.owner, question.text) for question in checker.questions}
    for index, question in enumerate(vague.questions):
        if (question.entry, question.sharpened) not in phrasings:
            checker.add(
                path,
                marked.position(("questions", index, "sharpened")),
                f"'{question.sharpened}' không còn là câu hỏi mẫu của {question.entry}",
                "chép đúng câu hỏi mẫu đã sửa vào mục sharpened (hoặc xóa mục này)",
            )
