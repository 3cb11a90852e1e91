"""Tuning data stays apart from measuring data.

No question the models learn from (curated phrasings, FAQ questions, the out-of-scope corpus, the
topic lines) and no question of our frozen holdouts may be a near copy of a development-set question in
``../shared/eval/``: word-overlap Jaccard on accent-folded words below 0.5.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from bot.knowledge.loader import load_knowledge_base
from bot.knowledge.topic_lines import load_topic_lines
from bot.knowledge.vague_questions import load_vague_questions
from bot.search.normalize import fold
from bot.search.outside import load_outside
from bot.settings import get_settings

REPO = Path(__file__).resolve().parents[2]
EVAL_DIR = Path(os.environ.get("ISEE_SHARED_EVAL", REPO.parent / "shared" / "eval"))
HOLDOUTS = [
    REPO / "tests" / "fixtures" / "search_holdout.yml",
    REPO / "tests" / "fixtures" / "search_holdout_portal.yml",
    REPO / "tests" / "fixtures" / "search_holdout_faq.yml",
    REPO / "tests" / "fixtures" / "search_holdout_typos.yml",
    REPO / "tests" / "fixtures" / "search_holdout_topics.yml",
    REPO / "tests" / "fixtures" / "search_holdout_chat.yml",
    REPO / "tests" / "fixtures" / "search_holdout_chat2.yml",
]
LIMIT = 0.5


def words(text: str) -> frozenset[str]:
    return frozenset(fold(text).split())


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def near_copies(
    ours: list[tuple[str, str]], theirs: list[str], limit: float = LIMIT
) -> list[tuple[str, str, float]]:
    """(where, our text, score) for each of ``ours`` as close as ``limit`` to one of ``theirs``."""
    their_words = [words(t) for t in theirs]
    found = []
    for where, text in ours:
        mine = words(text)
        best = max((jaccard(mine, other) for other in their_words), default=0.0)
        if best >= limit:
            found.append((where, text, round(best, 2)))
    return found


def test_near_copy_detection_is_accent_and_case_blind() -> None:
    ours = [("a", "Đăng ký kết hôn ở phường cần mang theo gì"), ("b", "tỷ giá usd hôm nay")]
    assert near_copies(ours, ["dang ky ket hon o phuong can mang theo nhung gi"]) == [
        ("a", "Đăng ký kết hôn ở phường cần mang theo gì", 0.91)
    ]
    assert near_copies(ours, ["thủ tục đăng ký kết hôn"]) == []


def _eval_questions() -> list[str]:
    files = sorted(EVAL_DIR.glob("*.yml"))
    if not files:
        pytest.fail(f"no development sets in {EVAL_DIR} (set ISEE_SHARED_EVAL)")
    return [
        case["q"]
        for path in files
        for case in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("cases", [])
    ]


def _training_and_holdout() -> list[tuple[str, str]]:
    settings = get_settings()
    kb = load_knowledge_base(settings.kb_dir, cache_dir=settings.build_dir)
    ours = [
        (f"procedure {code}", question.text)
        for code, procedure in kb.procedures.items()
        for question in procedure.questions
    ]
    ours += [(f"faq {faq.id}", text) for faq in kb.faqs for text in faq.questions]
    ours += [(f"out_of_scope {c}", text) for c, text in load_outside(settings.kb_dir).lines()]
    ours += [(f"topic_lines {t}", text) for text, t in load_topic_lines(settings.kb_dir).lines()]
    ours += [
        (f"vague_questions {q.entry}", q.text)
        for q in load_vague_questions(settings.kb_dir).questions
    ]
    for path in HOLDOUTS:
        holdout = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
        ours += [(path.name, case["q"]) for case in holdout]
    return ours


def test_no_training_or_holdout_question_copies_a_development_question() -> None:
    found = near_copies(_training_and_holdout(), _eval_questions())
    assert found == [], "near copies of development-set questions:\n" + "\n".join(
        f"  {where}: {text!r} (Jaccard {score})" for where, text, score in found
    )
