"""The state of one ``isee kb check`` run: files loaded, problems found, curated questions seen."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel

from bot.knowledge.check.marked import Loc, MarkedYaml, Problem, Severity, problem, read_yaml
from bot.knowledge.check.validate import M, validate_marked
from bot.knowledge.schema import Procedure


class Question(BaseModel):
    """A curated question and where it is written."""

    text: str
    owner: str
    procedure: str | None
    file: str
    line: int
    column: int


def same_text_key(text: str) -> str:
    """Key under which two questions are the same text: case, spacing and final '?' ignored."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split()).rstrip(" ?.!")


class Checker:
    """Loads every file of one knowledge base and collects the problems found."""

    def __init__(self, kb_dir: Path) -> None:
        self.kb_dir = kb_dir
        self.problems: list[Problem] = []
        self.files = 0
        self.procedures: dict[str, tuple[Procedure, Path, MarkedYaml]] = {}
        self.faqs = 0
        self.questions: list[Question] = []

    def add(
        self,
        path: Path,
        where: tuple[int, int],
        message: str,
        hint: str,
        severity: Severity = "error",
    ) -> None:
        self.problems.append(problem(path, *where, message, hint, severity))

    def load(self, path: Path, model: type[M]) -> tuple[M | None, MarkedYaml]:
        self.files += 1
        marked, problems = read_yaml(path)
        if problems:
            self.problems.extend(problems)
            return None, marked
        value, problems = validate_marked(path, marked, model)
        self.problems.extend(problems)
        return value, marked

    def collect(
        self,
        path: Path,
        marked: MarkedYaml,
        loc: Loc,
        texts: Iterable[str],
        owner: str,
        procedure: str | None,
    ) -> None:
        for index, text in enumerate(texts):
            line, column = marked.position((*loc, index))
            self.questions.append(
                Question(
                    text=text,
                    owner=owner,
                    procedure=procedure,
                    file=str(path),
                    line=line,
                    column=column,
                )
            )
