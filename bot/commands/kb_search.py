"""``isee kb build | search | eval | train-ranker | audit-questions``: the search from the command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer
from pydantic import ValidationError
from rich.progress import Progress, TaskID

from bot.settings import get_settings

if TYPE_CHECKING:
    from bot.search.searcher import Searcher
    from bot.search.selfsearch import SelfQuery, SelfResult


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=1)


def build(force: Annotated[bool, typer.Option(help="Rebuild even if up to date")] = False) -> None:
    """Build the search index (incremental: unchanged texts reuse cached vectors)."""
    from bot.search.service import ensure_index

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
    _compile_models()


def _compile_models() -> None:
    """Compile the ranker and the confidence model for this CPU now (once per model), not at the
    first search. A knowledge base without models yet (`isee kb train-ranker` writes them) has
    none to compile."""
    from bot.search.models import COMPILED_DIR, MODEL_DIR, SearchModels

    settings = get_settings()
    if not (settings.kb_dir / MODEL_DIR / "card.json").exists():
        typer.echo("No search models to compile yet: run `isee kb train-ranker`.")
        return
    with Progress(transient=True) as bar:
        bar.add_task("Compiling the ranker and the confidence model", total=None)
        SearchModels.load(settings.kb_dir / MODEL_DIR, settings.build_dir / COMPILED_DIR)
    typer.echo(f"Ranker and confidence model compiled in {settings.build_dir / COMPILED_DIR}")


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
    topics = ", ".join(result.topics) or "-"
    typer.echo(f"decision: {result.decision}   topics: {topics}")
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
) -> None:
    """Score the search on an evaluation file (builds the index first if it is not current)."""
    from bot.search.evaluate import evaluate
    from bot.search.service import open_searcher

    cases = _cases(file)
    searcher = open_searcher(get_settings())
    report, outcomes = evaluate(searcher, cases)
    if details:
        for outcome in outcomes:
            typer.echo(outcome.model_dump_json(), err=True)
    if as_json:
        typer.echo(report.model_dump_json())
        return
    for key, value in report.model_dump().items():
        typer.echo(f"{key:18} {value}")


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar per stage, fed ``(stage, done, total)``."""
    with Progress(transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def _search(
    searcher: Searcher, queries: list[SelfQuery], update: Callable[[str, int, int], None]
) -> list[SelfResult]:
    """Search ``queries``, each with its own row (if any) left out, over the settings' workers."""
    from bot.search.build import QUERY_CACHE
    from bot.search.selfsearch import self_search

    settings = get_settings()
    return self_search(
        searcher,
        queries,
        settings.build_dir / QUERY_CACHE,
        settings.search_model,
        update,
        settings.search_batch_workers,
    )


def _self_search(with_models: bool) -> tuple[Searcher, list[SelfResult], list[SelfResult]]:
    """Open the searcher and search every phrasing and out-of-scope line with itself left out."""
    from bot.search.outside import load_outside
    from bot.search.selfsearch import curated_queries, outside_queries
    from bot.search.service import open_searcher

    settings = get_settings()
    searcher = open_searcher(settings, with_models=with_models, serving=False)
    with _progress() as update:
        inside = _search(searcher, curated_queries(searcher), update)
        outside = _search(searcher, outside_queries(load_outside(settings.kb_dir).lines()), update)
    return searcher, inside, outside


def _broad_search(searcher: Searcher) -> list[SelfResult]:
    """Search the broad questions of the knowledge base (training only: the audit has no use)."""
    from bot.search.broad import broad_questions
    from bot.search.selfsearch import broad_queries

    questions = broad_questions(searcher.docs, searcher.config.broad_questions)
    with _progress() as update:
        return _search(searcher, broad_queries(questions), update)


def _vague_search(searcher: Searcher) -> list[SelfResult]:
    """Search the vague questions, each with the phrasing it was sharpened into left out."""
    from bot.knowledge.vague_questions import load_vague_questions
    from bot.search.selfsearch import vague_queries

    try:
        queries = vague_queries(searcher, load_vague_questions(get_settings().kb_dir).questions)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    with _progress() as update:
        return _search(searcher, queries, update)


def train_ranker(
    topics_only: Annotated[
        bool,
        typer.Option(
            help="Refit only the topic classifier (seconds, no self-search): after topic labels"
            " or the topic settings changed"
        ),
    ] = False,
) -> None:
    """Train the ranker, scope gate, confidence model and topic classifier (cross-validated)."""
    from bot.knowledge.topic_lines import load_topic_lines
    from bot.search.models import MODEL_DIR
    from bot.search.train import train_models

    if topics_only:
        _train_topics()
        return
    searcher, inside, outside = _self_search(with_models=False)
    if not inside:
        raise _fail("No curated phrasings to train on: add `questions:` to procedures first.")
    broad = _broad_search(searcher)
    vague = _vague_search(searcher)
    with _progress() as update:
        models, fitted = train_models(
            searcher,
            inside,
            outside,
            broad,
            load_topic_lines(get_settings().kb_dir).lines(),
            searcher.config.training,
            vague,
            update,
        )
    target = get_settings().kb_dir / MODEL_DIR
    models.save(target)
    typer.echo(f"Models written to {target}")
    typer.echo(fitted.model_dump_json(indent=2))
    _compile_models()


def _train_topics() -> None:
    """Refit the topic classifier on the labelled phrasings; keep the other models as they are.

    It reads the same texts a full training run gives it, so both produce the same classifier.
    """
    from bot.knowledge.topic_lines import load_topic_lines
    from bot.search.models import MODEL_DIR
    from bot.search.selfsearch import curated_queries
    from bot.search.service import open_searcher
    from bot.search.topic_training import fit_topics, topic_data

    settings = get_settings()
    searcher = open_searcher(settings, with_models=True, serving=False)
    labelled = [q for q in curated_queries(searcher) if q.topic is not None]
    lines = load_topic_lines(settings.kb_dir).lines()
    topics = fit_topics(
        topic_data(
            searcher, labelled, [searcher.preparer.topic_text(q.text) for q in labelled], lines
        ),
        searcher.config.training,
    )
    models = searcher.trained()
    models.topics = topics.classifier
    models.card.figures["topic_accuracy"] = round(topics.accuracy, 4)
    models.card.figures["topic_general_accuracy"] = round(topics.general_accuracy, 4)
    models.card.training["topic_relabelled"] = topics.relabelled
    models.card.training["topic_lines"] = len(lines)
    target = settings.kb_dir / MODEL_DIR
    models.save(target)
    typer.echo(
        f"Topic classifier written to {target}: cross-validated accuracy {topics.accuracy:.4f}"
        f" on labelled topics, {topics.general_accuracy:.4f} on general phrasings,"
        f" {topics.relabelled} unlabelled phrasings read as asking a topic"
    )


def audit_questions(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    limit: Annotated[int, typer.Option(min=0, help="Misses to list (0: all)")] = 50,
) -> None:
    """Search each curated phrasing with itself left out; list those that find another entry."""
    from bot.knowledge.loader import load_procedures
    from bot.search.audit import audit, versions

    searcher, inside, _ = _self_search(with_models=True)
    kb_dir = get_settings().kb_dir
    report = audit(searcher, inside, kb_dir, versions(load_procedures(kb_dir)))
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    for miss in report.misses[: limit or None]:
        typer.echo(
            f"{miss.file}:{miss.line}: '{miss.text}' ({miss.owner}) finds {miss.found}: "
            f"{miss.found_title}"
        )
    typer.echo(
        f"{report.self_retrieved} of {report.phrasings} phrasings find their own entry first "
        f"({report.share:.1%}; {report.other_version} of them the other version of their"
        " procedure, linked by superseded_by)"
    )


def register(app: typer.Typer) -> None:
    """Add the search commands to ``isee kb``."""
    app.command("build")(build)
    app.command("search")(search)
    app.command("eval")(evaluate_file)
    app.command("train-ranker")(train_ranker)
    app.command("audit-questions")(audit_questions)
