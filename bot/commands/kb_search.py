"""``isee kb build | search | eval | calibrate``: the search index from the command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer
from pydantic import ValidationError
from rich.progress import Progress

from bot.settings import get_settings


class Ranking(StrEnum):
    """Which ranking ``isee kb eval`` scores (for the comparison table in docs/search.md)."""

    hybrid = "hybrid"
    lexical = "lexical"
    dense = "dense"


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=1)


def build(force: Annotated[bool, typer.Option(help="Rebuild even if up to date")] = False) -> None:
    """Build the search index (incremental: unchanged texts reuse cached vectors)."""
    from bot.search.service import ensure_index, pin_threads

    pin_threads()
    with Progress(transient=True) as bar:
        task = bar.add_task("Embedding", total=None)
        report = ensure_index(
            get_settings(),
            force=force,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    state = "up to date" if report.reused else "built"
    typer.echo(f"Index {state}: {report.path}")
    typer.echo(report.manifest.model_dump_json(indent=2))


@contextmanager
def _open_lines(source: str) -> Iterator[TextIO]:
    """Standard input for ``-``, else the file (undecodable bytes replaced, never a crash)."""
    if source == "-":
        yield sys.stdin
        return
    path = Path(source)
    if not path.is_file():
        raise _fail(f"Cannot read {source}: no such file")
    with path.open(encoding="utf-8", errors="replace") as handle:
        yield handle


def search(
    query: Annotated[str | None, typer.Argument(help="The question")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    batch: Annotated[
        str | None, typer.Option(help="File with one question a line ('-' = stdin)")
    ] = None,
    k: Annotated[int, typer.Option(min=1, max=50, help="Number of hits")] = 5,
) -> None:
    """Search the knowledge base: one question, or a batch (one JSON object a line, input order)."""
    from bot.search.batch import run_batch
    from bot.search.service import open_searcher

    if (query is None) == (batch is None):
        raise _fail("Give either a question or --batch FILE (not both).")
    searcher = open_searcher(get_settings())
    if batch is not None:
        with _open_lines(batch) as stream:
            for answer in run_batch(searcher, stream, k):
                typer.echo(json.dumps(answer, ensure_ascii=False))
        return
    assert query is not None
    result = searcher.search(query, k=k)
    if as_json:
        typer.echo(result.model_dump_json())
        return
    typer.echo(f"decision: {result.decision}   topic: {result.topic or '-'}")
    for hit in result.hits:
        typer.echo(f"  {hit.score:7.3f}  {hit.entry:24}  {hit.title}")


def _cases(file: Path) -> list:
    from bot.search.evaluate import load_eval_file

    try:
        return load_eval_file(file).cases
    except (OSError, ValidationError, ValueError) as exc:
        raise _fail(f"Cannot read {file}: {exc}") from exc


def evaluate_file(
    file: Annotated[Path, typer.Argument(help="Evaluation file (format of shared/eval/dev.yml)")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    details: Annotated[bool, typer.Option(help="Also print every case")] = False,
    ranking: Annotated[
        Ranking, typer.Option(help="Ranking to score: the final one, or one signal alone")
    ] = Ranking.hybrid,
) -> None:
    """Score the search on an evaluation file (builds the index first if it is not current)."""
    from bot.search.evaluate import evaluate
    from bot.search.service import open_searcher

    cases = _cases(file)
    searcher = open_searcher(get_settings())
    searcher.config = searcher.config.with_ranking(ranking.value)
    report, outcomes = evaluate(searcher, cases)
    if details:
        for outcome in outcomes:
            typer.echo(outcome.model_dump_json(), err=True)
    if as_json:
        typer.echo(report.model_dump_json())
        return
    for key, value in report.model_dump().items():
        typer.echo(f"{key:18} {value}")


def calibrate_file(
    file: Annotated[Path, typer.Argument(help="Our own calibration questions")],
) -> None:
    """Suggest decision thresholds for knowledge_base/search.yml from labelled questions."""
    from bot.search.calibrate import calibrate
    from bot.search.service import open_searcher

    cases = _cases(file)
    typer.echo(calibrate(open_searcher(get_settings()), cases).model_dump_json(indent=2))


def register(app: typer.Typer) -> None:
    """Add the search commands to ``isee kb``."""
    app.command("build")(build)
    app.command("search")(search)
    app.command("eval")(evaluate_file)
    app.command("calibrate")(calibrate_file)
