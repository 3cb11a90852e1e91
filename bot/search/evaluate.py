"""Score the search on an evaluation file (the format of ``shared/eval/dev.yml``)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.search.searcher import Searcher, SearchResult

FAQ_PREFIX = "faq:"


class EvalCase(BaseModel):
    """One question and what it must get; unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore")

    q: str
    procedure: list[str] = Field(default_factory=list, description="Acceptable base codes")
    topic: str | None = None
    faq: str | None = None
    none: bool = False

    @field_validator("procedure", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        if value is None:
            return []
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_expectation(self) -> EvalCase:
        if not (self.procedure or self.faq or self.none):
            raise ValueError(f"case {self.q!r} names no procedure, faq or none")
        return self

    @property
    def faq_entry(self) -> str | None:
        """The FAQ entry id expected, if any."""
        if self.faq is None:
            return None
        return self.faq if self.faq.startswith(FAQ_PREFIX) else FAQ_PREFIX + self.faq


class EvalFile(BaseModel):
    """An evaluation file: a list of cases; other top-level keys are ignored."""

    model_config = ConfigDict(extra="ignore")

    cases: list[EvalCase]


class EvalReport(BaseModel):
    """The scores ``isee kb eval --json`` prints."""

    cases: int
    procedure_cases: int
    procedure_top1: float | None
    procedure_top3: float | None
    topic_accuracy: float | None
    faq_cases: int
    faq_top1: float | None
    none_cases: int
    none_accuracy: float | None
    false_none_rate: float | None
    answer_or_choice: float | None
    shown_first: float | None = Field(
        description="In-scope questions answered or guessed with the right procedure (or FAQ)"
    )
    latency_ms_p50: float
    latency_ms_p95: float


class CaseOutcome(BaseModel):
    """How one case went (for ``--details``)."""

    q: str
    expected: list[str]
    decision: str
    got: list[str]
    topic: str | None
    expected_topic: str | None


def load_eval_file(path: Path) -> EvalFile:
    """Parse and validate an evaluation file."""
    return EvalFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def _keys(result: SearchResult) -> list[str]:
    return [hit.procedure or hit.entry for hit in result.hits]


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def evaluate(searcher: Searcher, cases: list[EvalCase]) -> tuple[EvalReport, list[CaseOutcome]]:
    """Run every case through the searcher and compute the report."""
    latencies: list[float] = []
    top1 = top3 = topic_ok = topic_n = faq_ok = none_ok = false_none = answered = shown = 0
    in_scope = procedure_n = faq_n = none_n = 0
    outcomes = []
    for case in cases:
        started = time.perf_counter()
        result = searcher.search(case.q, k=5)
        latencies.append((time.perf_counter() - started) * 1000)
        keys = _keys(result)
        expected = case.procedure or ([case.faq_entry] if case.faq_entry else [])
        outcomes.append(
            CaseOutcome(
                q=case.q,
                expected=expected,
                decision=result.decision,
                got=keys[:3],
                topic=result.topic,
                expected_topic=case.topic,
            )
        )
        if case.none:
            none_n += 1
            none_ok += result.decision == "none"
            continue
        in_scope += 1
        false_none += result.decision == "none"
        first_ok = bool(keys) and keys[0] in expected and result.decision != "none"
        if case.procedure:
            procedure_n += 1
            top1 += first_ok
            top3 += result.decision != "none" and any(k in expected for k in keys[:3])
            if case.topic and first_ok:
                topic_n += 1
                topic_ok += (result.hits[0].topic or "tong_quan") == case.topic
        else:
            faq_n += 1
            faq_ok += first_ok
        offered = keys[:1] if result.decision == "answer" else keys[:3]
        answered += result.decision != "none" and any(k in expected for k in offered)
        shown += first_ok and result.decision in ("answer", "guess")
    report = EvalReport(
        cases=len(cases),
        procedure_cases=procedure_n,
        procedure_top1=_ratio(top1, procedure_n),
        procedure_top3=_ratio(top3, procedure_n),
        topic_accuracy=_ratio(topic_ok, topic_n),
        faq_cases=faq_n,
        faq_top1=_ratio(faq_ok, faq_n),
        none_cases=none_n,
        none_accuracy=_ratio(none_ok, none_n),
        false_none_rate=_ratio(false_none, in_scope),
        answer_or_choice=_ratio(answered, in_scope),
        shown_first=_ratio(shown, in_scope),
        latency_ms_p50=round(float(np.percentile(latencies, 50)), 2) if latencies else 0.0,
        latency_ms_p95=round(float(np.percentile(latencies, 95)), 2) if latencies else 0.0,
    )
    return report, outcomes
