"""Search benchmark: single-query latency, full and incremental build time, index size, memory.

Run with ``.venv/bin/python bench/search_bench.py`` (``make bench``). Queries are our own frozen
holdout questions (``tests/fixtures/search_holdout.yml``), never the evaluation sets. Builds use
every thread the environment gives the embedding engine (``OMP_NUM_THREADS``); searches use one.
The knowledge base is copied to a temporary directory, so nothing in the repository changes.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import typer
import yaml

from bot.knowledge.loader import load_knowledge_base, procedure_files
from bot.search.build import QUERY_CACHE, VECTOR_CACHE, build_index
from bot.search.config import load_search_config
from bot.search.evaluate import load_eval_file
from bot.search.models import COMPILED_DIR, MODEL_DIR, SearchModels
from bot.search.searcher import Searcher
from bot.search.service import pin_threads
from bot.settings import REPO_ROOT, get_settings

QUERIES = REPO_ROOT / "tests" / "fixtures" / "search_holdout.yml"
EDITED = 10


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def _edit_procedures(kb_dir: Path, count: int) -> None:
    """Append a word to the name of ``count`` procedures (as a staff edit would change them)."""
    for path in procedure_files(kb_dir)[:count]:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["name"] = f"{data['name']} (đã sửa)"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def main(
    full: bool = typer.Option(True, help="Also time a full build from an empty cache"),
    repeat: int = typer.Option(3, min=1, help="Passes over the query list"),
) -> None:
    """Print the benchmark as one JSON object."""
    settings = get_settings()
    work = Path(tempfile.mkdtemp(prefix="isee-bench-"))
    try:
        kb_dir = work / "kb"
        shutil.copytree(settings.kb_dir, kb_dir)
        build_dir = work / "build"
        if not full:
            for cache in (VECTOR_CACHE, QUERY_CACHE):
                shutil.copytree(settings.build_dir / cache, build_dir / cache)
        started = time.perf_counter()
        report = build_index(
            load_knowledge_base(kb_dir),
            build_dir,
            settings.search_model,
            settings.search_passage_prompt,
            settings.search_query_prompt,
        )
        full_seconds = time.perf_counter() - started

        _edit_procedures(kb_dir, EDITED)
        started = time.perf_counter()
        incremental = build_index(
            load_knowledge_base(kb_dir),
            build_dir,
            settings.search_model,
            settings.search_passage_prompt,
            settings.search_query_prompt,
        )
        incremental_seconds = time.perf_counter() - started

        pin_threads()
        rss_before = _rss_mb()
        searcher = Searcher.open(
            incremental.path,
            settings.search_query_prompt,
            load_search_config(kb_dir),
            SearchModels.load(kb_dir / MODEL_DIR, build_dir / COMPILED_DIR),
        )
        queries = [case.q for case in load_eval_file(QUERIES).cases]
        latencies = []
        for _ in range(repeat):
            for query in queries:
                t0 = time.perf_counter()
                searcher.search(query)
                latencies.append((time.perf_counter() - t0) * 1000)
        result = {
            "queries": len(latencies),
            "latency_ms_p50": round(statistics.median(latencies), 2),
            "latency_ms_p95": round(float(np.percentile(latencies, 95)), 2),
            "full_build_s" if full else "build_from_cache_s": round(full_seconds, 1),
            "full_build_embedded": report.manifest.embedded,
            "incremental_build_s": round(incremental_seconds, 1),
            "incremental_embedded": incremental.manifest.embedded,
            "documents": incremental.manifest.documents,
            "entries": incremental.manifest.entries,
            "vectors": incremental.manifest.vectors,
            "index_mb": round(_size_mb(incremental.path), 1),
            "rss_mb": round(_rss_mb(), 1),
            "searcher_rss_mb": round(_rss_mb() - rss_before, 1),
        }
        typer.echo(json.dumps(result))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    typer.run(main)
