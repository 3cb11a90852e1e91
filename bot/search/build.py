"""Build the search index: documents, BM25 matrix, cached vectors and a FAISS index.

Layout under ``<build_dir>/search/``: one directory per build (``build-<time>-<random>``) and a
``current`` symlink replaced atomically once a build is complete, so an interrupted or failed
build leaves the previous index serving. Vectors are cached by a hash of (model, prompt, text)
in ``<build_dir>/vector-cache/`` (names, with the passage prompt) and ``<build_dir>/query-cache/``
(questions, with the query prompt), so a rebuild only embeds texts that changed.

Curated phrasings and out-of-scope lines are questions, so they are embedded the way a citizen's
question is: prepared (``bot.search.query``, without the topic model) and with the query prompt.
e5 asks for the query prompt on both sides of a symmetric match, question against question, and
the vectors are then the ones self-search looks up, so training does not embed them again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import faiss
import numpy as np
from pydantic import BaseModel

from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.synonyms import SynonymList, load_synonyms
from bot.search import (
    agencies,
    diacritics,
    documents,
    lexical,
    negation,
    noise,
    normalize,
    qualifiers,
    query,
    rewrite,
    spelling,
    topics,
    variants,
)
from bot.search.config import SearchConfig, load_search_config
from bot.search.diacritics import DiacriticRestorer
from bot.search.documents import SearchDoc, build_documents
from bot.search.embedder import encode, load_model
from bot.search.lexical import LexicalIndex
from bot.search.negation import Negations
from bot.search.outside import OutsideCorpus, load_outside
from bot.search.query import QueryPreparer
from bot.search.rewrite import Rewriter

INDEX_FORMAT = 7
VECTOR_CACHE = "vector-cache"
QUERY_CACHE = "query-cache"
ASKED_FILE = "asked.json"
OUTSIDE_LINES = "lines.json"
OUTSIDE_DIR = "outside"
CURRENT = "current"
# The code that reads a question (cleaning, mending typing mistakes, rewriting, restoring
# diacritics…), with the code that makes the documents and BM25 matrix the speller learns its
# words from: when it changes, the questions are prepared afresh and the index is built again.
PREPARING_CODE = (
    query,
    normalize,
    noise,
    rewrite,
    agencies,
    qualifiers,
    topics,
    variants,
    diacritics,
    spelling,
    negation,
    documents,
    lexical,
)


def code_hash(modules: tuple[ModuleType, ...]) -> str:
    """SHA-256 of the source files of ``modules``."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(module.__file__ or module.__name__).read_bytes())
    return digest.hexdigest()


class Manifest(BaseModel):
    """What an index was built from, and how long it took."""

    format: int = INDEX_FORMAT
    model: str
    passage_prompt: str
    query_prompt: str = ""
    kb_hash: str = ""
    input_hash: str
    entries: int
    documents: int
    vectors: int
    outside: int = 0
    embedded: int
    built_at: str
    build_seconds: float


class BuildReport(BaseModel):
    """Outcome of :func:`build_index`."""

    path: Path
    manifest: Manifest
    reused: bool


def search_root(build_dir: Path) -> Path:
    """Directory holding every search build and the ``current`` link."""
    return build_dir / "search"


def current_index(build_dir: Path) -> Path | None:
    """The directory of the index being served, if any."""
    link = search_root(build_dir) / CURRENT
    return link.resolve() if link.exists() else None


def read_manifest(index_dir: Path) -> Manifest:
    """The manifest of a built index."""
    return Manifest.model_validate_json((index_dir / "manifest.json").read_text(encoding="utf-8"))


def input_hash(
    docs: list[SearchDoc],
    synonyms: SynonymList,
    outside: OutsideCorpus,
    config: SearchConfig,
    model: str,
    prompts: tuple[str, str],
) -> str:
    """Hash of everything an index is made from: documents, synonyms, out-of-scope lines, the
    search configuration (it prepares the questions), model, prompts and the code that reads
    questions and makes documents."""
    digest = hashlib.sha256(f"{INDEX_FORMAT}\0{model}\0{prompts[0]}\0{prompts[1]}\0".encode())
    digest.update(code_hash(PREPARING_CODE).encode())
    for doc in docs:
        digest.update(doc.model_dump_json().encode())
    digest.update(synonyms.model_dump_json().encode())
    digest.update(outside.model_dump_json().encode())
    digest.update(config.model_dump_json().encode())
    return digest.hexdigest()


class VectorCache:
    """Vectors already computed, keyed by a hash of (model, prompt, text)."""

    def __init__(self, directory: Path, model: str, prompt: str) -> None:
        self.prompt = prompt
        slug = hashlib.sha256(f"{model}\0{prompt}".encode()).hexdigest()[:16]
        self.directory = directory / slug
        self.vectors: dict[str, np.ndarray] = {}
        keys_file, data_file = self.directory / "keys.json", self.directory / "vectors.npy"
        if keys_file.exists() and data_file.exists():
            keys = json.loads(keys_file.read_text(encoding="utf-8"))
            data = np.load(data_file)
            if len(keys) == len(data):
                self.vectors = dict(zip(keys, data, strict=True))

    @staticmethod
    def key(text: str) -> str:
        """Cache key of ``text``."""
        return hashlib.sha256(text.encode()).hexdigest()

    def save(self, keep: set[str]) -> None:
        """Write the cache (only ``keep`` keys), atomically."""
        keys = sorted(k for k in self.vectors if k in keep)
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / f".tmp-{os.getpid()}"
        tmp.mkdir(exist_ok=True)
        data = np.stack([self.vectors[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)
        np.save(tmp / "vectors.npy", data)
        (tmp / "keys.json").write_text(json.dumps(keys), encoding="utf-8")
        os.replace(tmp / "vectors.npy", self.directory / "vectors.npy")
        os.replace(tmp / "keys.json", self.directory / "keys.json")
        tmp.rmdir()


Progress = Callable[[int, int], None]


def _embed_missing(
    jobs: list[tuple[list[str], VectorCache]], model_name: str, progress: Progress | None
) -> int:
    """Embed the texts of each (texts, cache) job that its cache lacks, with the cache's prompt;
    how many."""
    missing = [
        (list(dict.fromkeys(t for t in texts if VectorCache.key(t) not in cache.vectors)), cache)
        for texts, cache in jobs
    ]
    total = sum(len(texts) for texts, _ in missing)
    if not total:
        return 0
    model = load_model(model_name)
    batch, done = 64, 0
    for texts, cache in missing:
        for start in range(0, len(texts), batch):
            chunk = texts[start : start + batch]
            for text, vector in zip(chunk, encode(model, chunk, cache.prompt), strict=True):
                cache.vectors[VectorCache.key(text)] = vector
            done += len(chunk)
            if progress:
                progress(done, total)
    return total


def _asked(
    texts: list[str], preparer: QueryPreparer, preparation: str, previous: Path | None
) -> dict[str, tuple[str, bool]]:
    """Each question's retrieval text and whether it is typed without diacritics; the previous
    build's are reused when it prepared questions the same way (preparing ~24,000 takes half a
    minute)."""
    known: dict[str, tuple[str, bool]] = {}
    saved = previous / ASKED_FILE if previous is not None else None
    if saved is not None and saved.exists():
        data = json.loads(saved.read_text(encoding="utf-8"))
        if data["preparation"] == preparation:
            known = {
                text: (retrieval, bool(bare)) for text, (retrieval, bare) in data["texts"].items()
            }
    asked = {}
    for text in texts:
        if text not in known:
            prepared = preparer.prepare(text, None)
            known[text] = (prepared.retrieval, prepared.accentless)
        asked[text] = known[text]
    return asked


def _flat_index(rows: list[tuple[str, VectorCache]], dim: int) -> faiss.IndexFlatIP:
    """Exact inner-product index over the cached vector of each (text, cache) row (cosines:
    unit vectors)."""
    index = faiss.IndexFlatIP(max(dim, 1))
    if rows:
        index.add(np.stack([cache.vectors[VectorCache.key(t)] for t, cache in rows]))
    return index


def _switch_current(root: Path, target: Path) -> None:
    link = root / f".{CURRENT}-{os.getpid()}"
    if link.is_symlink():
        link.unlink()
    link.symlink_to(target.name)
    os.replace(link, root / CURRENT)


def _remove_stale(root: Path, keep: Path) -> None:
    for path in [*root.glob("build-*"), *root.glob(".tmp-build-*")]:
        if path != keep and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def build_index(
    kb: KnowledgeBase,
    build_dir: Path,
    model_name: str,
    passage_prompt: str,
    query_prompt: str,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> BuildReport:
    """Build (or reuse, when its inputs are unchanged) the search index of ``kb``."""
    started = time.perf_counter()
    docs = build_documents(kb)
    synonyms = load_synonyms(kb.kb_dir)
    outside = load_outside(kb.kb_dir)
    config = load_search_config(kb.kb_dir)
    digest = input_hash(docs, synonyms, outside, config, model_name, (passage_prompt, query_prompt))
    root = search_root(build_dir)
    existing = current_index(build_dir)
    if existing is not None and not force:
        manifest = read_manifest(existing)
        if manifest.input_hash == digest:
            return BuildReport(path=existing, manifest=manifest, reused=True)

    texts = [text for doc in docs for text in doc.texts]
    owners = np.array([i for i, doc in enumerate(docs) for _ in doc.texts], dtype=np.int32)
    outside_texts = [text for _, text in outside.lines()]
    # A document's first text is its name (or an FAQ entry's title): a passage. The rest are
    # questions, embedded as a citizen's question is.
    names = [doc.texts[0] for doc in docs]
    preparation = hashlib.sha256(
        f"{INDEX_FORMAT}\0{code_hash(PREPARING_CODE)}\0{synonyms.model_dump_json()}"
        f"\0{config.model_dump_json()}".encode()
    ).hexdigest()
    # Names use abbreviations too ("sổ BHXH", "TNLĐ"): index them with the canonical wording added.
    # The field goes with the name: "Cấp lại Giấy chứng nhận do bị mất" is about land ("Đất đai").
    # A shorthand with several meanings is read by the bigram model of the knowledge base's texts.
    restorer = DiacriticRestorer.of_index(docs, outside_texts, config)
    rewriter = Rewriter(synonyms, restorer)
    fields = [
        doc.field if position == 0 else None for doc in docs for position in range(len(doc.texts))
    ]
    # A phrasing is matched on what it asks, not on the sibling it says it does not mean.
    negations = Negations(config.negation)
    matched = [negations.row_text(t, at) for doc in docs for at, t in enumerate(doc.texts)]
    lexical = LexicalIndex.build(
        [
            f"{text} {rewriter.rewrite(text).text} {field or ''}"
            for text, field in zip(matched, fields, strict=True)
        ]
    )
    outside_lexical = LexicalIndex.build(outside_texts)
    preparer = QueryPreparer.of_index(docs, lexical, restorer, outside_lexical, synonyms, config)
    asked = _asked(
        [*(t for doc in docs for t in doc.texts[1:]), *outside_texts],
        preparer,
        preparation,
        None if force else existing,
    )
    # The text each question's vector is made from; the restorer is learned from this build's
    # texts, so its spellings are read afresh every build.
    dense = {text: preparer.dense_text(*read) for text, read in asked.items()}
    passages = VectorCache(build_dir / VECTOR_CACHE, model_name, passage_prompt)
    questions = VectorCache(build_dir / QUERY_CACHE, model_name, query_prompt)
    embedded = _embed_missing(
        [(names, passages), (list(dense.values()), questions)],
        model_name,
        progress,
    )
    passages.save({VectorCache.key(t) for t in names})
    # Questions searched later (self-search, evaluation) share this cache: nothing is dropped.
    questions.save(set(questions.vectors))
    dim = next(iter(passages.vectors.values())).shape[0] if passages.vectors else 0
    rows = [
        (text, passages) if position == 0 else (dense[text], questions)
        for doc in docs
        for position, text in enumerate(doc.texts)
    ]

    root.mkdir(parents=True, exist_ok=True)
    target = root / f"build-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    work = root / f".tmp-{target.name}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    faiss.write_index(_flat_index(rows, dim), str(work / "vectors.faiss"))
    np.save(work / "owners.npy", owners)
    (work / OUTSIDE_DIR).mkdir()
    faiss.write_index(
        _flat_index([(dense[t], questions) for t in outside_texts], dim),
        str(work / OUTSIDE_DIR / "vectors.faiss"),
    )
    outside_lexical.save(work / OUTSIDE_DIR)
    (work / OUTSIDE_DIR / OUTSIDE_LINES).write_text(
        json.dumps(outside.lines(), ensure_ascii=False), encoding="utf-8"
    )
    lexical.save(work)
    (work / ASKED_FILE).write_text(
        json.dumps({"preparation": preparation, "texts": asked}, ensure_ascii=False),
        encoding="utf-8",
    )
    (work / "documents.json").write_text(
        json.dumps([doc.model_dump() for doc in docs], ensure_ascii=False), encoding="utf-8"
    )
    (work / "synonyms.json").write_text(synonyms.model_dump_json(), encoding="utf-8")
    manifest = Manifest(
        model=model_name,
        passage_prompt=passage_prompt,
        query_prompt=query_prompt,
        kb_hash=kb.content_hash(),
        input_hash=digest,
        entries=sum(len(doc.entries) for doc in docs),
        documents=len(docs),
        vectors=len(texts),
        outside=len(outside_texts),
        embedded=embedded,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        build_seconds=round(time.perf_counter() - started, 2),
    )
    (work / "manifest.json").write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    os.replace(work, target)
    _switch_current(root, target)
    _remove_stale(root, target)
    return BuildReport(path=target, manifest=manifest, reused=False)
