"""Choose decision thresholds from labelled questions (our own calibration file, not eval sets)."""

from __future__ import annotations

import itertools

import numpy as np
from pydantic import BaseModel

from bot.search.config import Thresholds
from bot.search.evaluate import EvalCase
from bot.search.searcher import Searcher, Signals, is_weak

FALSE_NONE_COST = 2.0


class CalibrationReport(BaseModel):
    """Chosen thresholds and how they do on the calibration questions."""

    thresholds: Thresholds
    none_accuracy: float
    false_none_rate: float
    answer_or_choice: float
    cases: int


Row = tuple[EvalCase, Signals, list[str]]


def _signals(searcher: Searcher, cases: list[EvalCase]) -> list[Row]:
    rows = []
    for case in cases:
        scored, _, signals = searcher.rank(case.q)
        keys = [searcher.docs[i].key for i, _ in scored[:3]]
        rows.append((case, signals, keys))
    return rows


def _fit_none(rows: list[Row]) -> tuple[float, float]:
    """The (lexical, dense) pair classifying ``rows`` best; the lowest pair among equals."""
    lexical = sorted({round(s.best_lexical, 2) for _, s, _ in rows} | {0.0})
    dense = np.round(np.arange(0.80, 0.95, 0.0025), 4).tolist()
    in_scope = [s for c, s, _ in rows if not c.none and not s.off_domain]
    out_scope = [s for c, s, _ in rows if c.none and not s.off_domain]

    def none_score(lex: float, den: float) -> tuple[float, float, float]:
        hit = sum(s.best_lexical < lex and s.best_dense < den for s in out_scope)
        lost = sum(s.best_lexical < lex and s.best_dense < den for s in in_scope)
        return hit - FALSE_NONE_COST * lost, -lex, -den

    return max(itertools.product(lexical, dense), key=lambda p: none_score(*p))


def calibrate(searcher: Searcher, cases: list[EvalCase]) -> CalibrationReport:
    """Grid-search the thresholds that classify the most cases right.

    Questions asking for a procedure (a topic or an intent word) and the others get their own
    ``none`` thresholds, each pair maximising right ``none`` minus ``FALSE_NONE_COST`` per
    in-scope question refused (a citizen turned away from an answer we have); questions using an
    unexplained out-of-scope word are ``none`` whatever the thresholds. The clarify margin then
    maximises answers that are right (1 point) plus clarifications that offer the right one
    (0.75 point: a choice costs the citizen a tap).
    """
    rows = _signals(searcher, cases)
    plain_lex, plain_den = _fit_none([r for r in rows if not r[1].intent])
    intent_lex, intent_den = _fit_none([r for r in rows if r[1].intent])
    in_scope = [r for r in rows if not r[0].none]
    out_scope = [r for r in rows if r[0].none]

    def expected(case: EvalCase) -> list[str]:
        return case.procedure or ([case.faq_entry] if case.faq_entry else [])

    def margin_score(margin: float) -> float:
        total = 0.0
        for case, signals, keys in in_scope:
            if signals.margin >= margin:
                total += keys[0] in expected(case)
            else:
                total += 0.75 * any(k in expected(case) for k in keys)
        return total

    margins = np.round(np.arange(0.0, 0.15, 0.005), 4).tolist()
    best_margin = max(margins, key=lambda m: (margin_score(m), -m))
    thresholds = Thresholds(
        none_lexical=plain_lex,
        none_dense=plain_den,
        none_lexical_intent=intent_lex,
        none_dense_intent=intent_den,
        clarify_margin=best_margin,
    )

    def is_none(s: Signals) -> bool:
        return s.off_domain or is_weak(s, thresholds)

    answered = sum(
        not is_none(s)
        and any(k in expected(c) for k in (keys[:1] if s.margin >= best_margin else keys))
        for c, s, keys in in_scope
    )
    return CalibrationReport(
        thresholds=thresholds,
        none_accuracy=round(sum(is_none(s) for _, s, _ in out_scope) / max(len(out_scope), 1), 4),
        false_none_rate=round(sum(is_none(s) for _, s, _ in in_scope) / max(len(in_scope), 1), 4),
        answer_or_choice=round(answered / max(len(in_scope), 1), 4),
        cases=len(rows),
    )
