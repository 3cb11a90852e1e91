"""Wiring between settings, the knowledge base and the search index."""

from __future__ import annotations

import os
from collections.abc import Callable

import faiss
import torch

from bot.knowledge.loader import load_knowledge_base
from bot.search.build import BuildReport, build_index, current_index
from bot.search.config import load_search_config
from bot.search.models import COMPILED_DIR, MODEL_DIR, SearchModels
from bot.search.searcher import Searcher
from bot.settings import Settings


def pin_threads() -> None:
    """One thread per search: the machine is shared and queries are small."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)


def ensure_index(
    settings: Settings, *, force: bool = False, progress: Callable[[int, int], None] | None = None
) -> BuildReport:
    """Build the index if it is missing or its inputs changed; reuse it otherwise."""
    kb = load_knowledge_base(settings.kb_dir, cache_dir=settings.build_dir)
    return build_index(
        kb,
        settings.build_dir,
        settings.search_model,
        settings.search_passage_prompt,
        settings.search_query_prompt,
        force=force,
        progress=progress,
    )


def open_searcher(
    settings: Settings, *, build: bool = True, with_models: bool = True, serving: bool = True
) -> Searcher:
    """The searcher over the current index; builds it first when ``build`` and it is not current.

    ``with_models=False`` opens it without the learned models, to gather their training data;
    ``serving=False`` leaves every thread to batch work (training, the audit) instead of one per
    search.
    """
    # Build before pinning threads: the embedding engine batches over every thread it is given.
    path = ensure_index(settings).path if build else current_index(settings.build_dir)
    if serving:
        pin_threads()
    if path is None:
        raise FileNotFoundError(f"no search index in {settings.build_dir}; run `isee kb build`")
    models = (
        SearchModels.load(settings.kb_dir / MODEL_DIR, settings.build_dir / COMPILED_DIR)
        if with_models
        else None
    )
    return Searcher.open(
        path, settings.search_query_prompt, load_search_config(settings.kb_dir), models
    )
