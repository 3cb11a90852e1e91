"""Validation of the knowledge base with ``file:line:column`` locations (``isee kb check``).

Every YAML file is read with PyYAML's composer, which keeps the line and column of each node
(``marked``), then validated by its pydantic model; validation errors are mapped back to the node
they concern (``validate``). A file with any error never half-loads: :func:`read_model` raises
:class:`KbFileError` with every problem. The rules live one family per module (``procedures``,
``faqs``, ``questions``, ``ambiguity``); ``report`` runs them all and validates the single-file
lists (``site.yml``, ``central.yml``, ``synonyms.yml``, ``follow_ups.yml``,
``topic_lines.yml``; ``vague_questions.yml`` with the questions rules, as it points at phrasings).
"""

from bot.knowledge.check.marked import KbFileError, MarkedYaml, Problem, read_yaml
from bot.knowledge.check.report import CheckReport, check_knowledge_base
from bot.knowledge.check.validate import (
    faq_paths,
    load_faqs,
    load_site,
    read_model,
    validate_marked,
)

__all__ = [
    "CheckReport",
    "KbFileError",
    "MarkedYaml",
    "Problem",
    "check_knowledge_base",
    "faq_paths",
    "load_faqs",
    "load_site",
    "read_model",
    "read_yaml",
    "validate_marked",
]
