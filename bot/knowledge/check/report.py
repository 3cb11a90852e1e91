"""``isee kb check``: every file of a knowledge base loaded, validated and checked by every rule."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from bot.knowledge.check.ambiguity import check_ambiguity
from bot.knowledge.check.checker import Checker
from bot.knowledge.check.faqs import check_faqs
from bot.knowledge.check.marked import Problem
from bot.knowledge.check.procedures import check_procedures, check_same_names
from bot.knowledge.check.questions import check_duplicate_questions, check_vague_questions
from bot.knowledge.check.validate import M
from bot.knowledge.follow_ups import FOLLOW_UPS_FILE, FollowUpList
from bot.knowledge.schema import CentralIndex
from bot.knowledge.site import Site
from bot.knowledge.synonyms import SYNONYMS_FILE, SynonymList
from bot.knowledge.topic_lines import TOPIC_LINES_FILE, TopicLines

CENTRAL_FILE = "central.yml"


class CheckReport(BaseModel):
    """Everything ``isee kb check`` found, with counts of what it looked at."""

    problems: list[Problem]
    files: int
    procedures: int
    faqs: int
    questions: int

    @property
    def errors(self) -> list[Problem]:
        """Problems that must be fixed before the knowledge base can be used."""
        return [problem for problem in self.problems if problem.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth curating that do not block loading."""
        return [problem for problem in self.problems if problem.severity == "warning"]


def _check_required(checker: Checker, name: str, model: type[M]) -> M | None:
    """A file the assistant cannot start without (``site.yml``, ``follow_ups.yml``)."""
    path = checker.kb_dir / name
    if not path.exists():
        checker.add(path, (1, 1), f"thiếu tệp {name}", f"tạo lại {name} theo docs/curation.md")
        return None
    value, _ = checker.load(path, model)
    return value


def _check_optional(checker: Checker, name: str, model: type[BaseModel]) -> None:
    """A file validated only when present (``central.yml``, ``synonyms.yml``,
    ``topic_lines.yml``)."""
    path = checker.kb_dir / name
    if path.exists():
        checker.load(path, model)


def check_knowledge_base(kb_dir: Path) -> CheckReport:
    """Load and validate every file of ``kb_dir``; report every problem found."""
    checker = Checker(kb_dir)
    site = _check_required(checker, "site.yml", Site)
    check_procedures(checker)
    _check_optional(checker, CENTRAL_FILE, CentralIndex)
    _check_optional(checker, SYNONYMS_FILE, SynonymList)
    _check_optional(checker, TOPIC_LINES_FILE, TopicLines)
    _check_required(checker, FOLLOW_UPS_FILE, FollowUpList)
    check_faqs(checker, site)
    check_same_names(checker)
    check_duplicate_questions(checker)
    check_vague_questions(checker)
    check_ambiguity(checker)
    problems = sorted(
        checker.problems, key=lambda p: (p.severity != "error", p.file, p.line, p.column)
    )
    return CheckReport(
        problems=problems,
        files=checker.files,
        procedures=len(checker.procedures),
        faqs=checker.faqs,
        questions=len(checker.questions),
    )
