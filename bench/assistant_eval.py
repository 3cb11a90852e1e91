"""Answer accuracy through the whole assistant: gateway → Rasa → action server → search.

Run with ``PYTHONPATH=. .venv/bin/python bench/assistant_eval.py FILE…`` (``isee kb eval`` files: ``q``,
``procedure``, ``faq`` or ``none``). It starts the whole stack like the e2e tests, sends each question
as the first message of a new conversation through the gateway's REST channel and reads what the
citizen sees:

- **named**: a reply's text names one of the expected procedure codes (the answer); for a FAQ case,
  a reply's text holds the opening of that FAQ's answer;
- **offered**: the code is in a reply's text or among its buttons (the answer or a choice); for a FAQ
  case, its answer is shown or a button opens it;
- **refused** (``none`` cases): no procedure code anywhere in the replies.

It measures; it never tunes anything.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.progress import Progress

from bot.knowledge.loader import load_knowledge_base
from bot.search.evaluate import load_eval_file
from bot.settings import get_settings
from tests.e2e.stack import start_stack

PROCEDURE_CODE = re.compile(r"(?<![\d.])\d\.\d{6}(?![\d])")


def _seen(replies: list[dict[str, object]]) -> tuple[str, str]:
    """The replies' texts, and their texts with every button's title and payload."""
    texts = " ".join(str(reply.get("text") or "") for reply in replies)
    buttons = " ".join(
        f"{button.get('title', '')} {button.get('payload', '')}"
        for reply in replies
        for button in reply.get("buttons") or []  # type: ignore[union-attr]
    )
    return texts, f"{texts} {buttons}"


def _faq_openings() -> dict[str, str]:
    """Each FAQ entry id and the first line of its answer as the citizen sees it."""
    kb = load_knowledge_base(get_settings().kb_dir)
    return {e.id: e.answer.splitlines()[0] for e in kb.entries if e.kind == "faq"}


def _measure(
    gateway: str, path: Path, faqs: dict[str, str], progress: Progress
) -> dict[str, object]:
    cases = load_eval_file(path).cases
    unknown = {case.faq_entry for case in cases if case.faq_entry} - faqs.keys()
    if unknown:
        raise typer.BadParameter(f"{path}: no FAQ entry {', '.join(sorted(unknown))}")
    named = offered = refused = inside = outside = 0
    task = progress.add_task(path.name, total=len(cases))
    with httpx.Client(timeout=60) as client:
        for i, case in enumerate(cases):
            response = client.post(
                f"{gateway}/api/v1/chat",
                json={"sender": f"eval-{path.stem}-{i}", "message": case.q},
            )
            response.raise_for_status()
            texts, everything = _seen(response.json()["replies"])
            if case.none:
                outside += 1
                refused += not PROCEDURE_CODE.search(everything)
            elif case.faq_entry:
                inside += 1
                shown = faqs[case.faq_entry] in texts
                named += shown
                offered += shown or f'"{case.faq_entry}"' in everything
            else:
                inside += 1
                named += any(code in texts for code in case.procedure)
                offered += any(code in everything for code in case.procedure)
            progress.advance(task)
    return {
        "cases": inside,
        "named": round(named / inside, 4) if inside else None,
        "named_or_offered": round(offered / inside, 4) if inside else None,
        "none_cases": outside,
        "refused": round(refused / outside, 4) if outside else None,
    }


def main(
    files: Annotated[list[Path], typer.Argument(help="Evaluation files (isee kb eval format)")],
) -> None:
    """Start the stack, send every question through the gateway, print the figures as JSON."""
    work = Path(tempfile.mkdtemp(prefix="isee-assistant-eval-"))
    figures: dict[str, object] = {}
    faqs = _faq_openings()
    try:
        # Every question comes from this one address: lift the per-address limit, as the e2e tests do.
        stack = start_stack(
            work,
            dossiers=10,
            extra_env={
                "ISEE_RATE_LIMIT_IP_MESSAGES": "100000",
                "ISEE_RATE_LIMIT_IP_BURST": "100000",
            },
        )
        try:
            with Progress() as progress:
                for path in files:
                    figures[path.name] = _measure(stack.gateway_url, path, faqs, progress)
        finally:
            stack.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    typer.run(main)
