"""Load the curated knowledge base (procedures, FAQ, site facts) and expand it into entries."""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.knowledge.answer_rules import AnswerRules, AnswersFile
from bot.knowledge.entries import central_entry, procedure_entries
from bot.knowledge.faq import Faq, FaqFile, faq_entry
from bot.knowledge.schema import CentralIndex, Entry, Procedure
from bot.knowledge.site import Site

PROCEDURES_DIR = "procedures"
CENTRAL_FILE = "central.yml"
SITE_FILE = "site.yml"
ANSWERS_FILE = "answers.yml"
FAQ_DIR = "faq"
CACHE_PREFIX = "kb-"

M = TypeVar("M", bound=BaseModel)

try:
    _YamlLoader: type[yaml.SafeLoader] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _YamlLoader = yaml.SafeLoader


class KnowledgeBaseError(ValueError):
    """A knowledge-base file cannot be read or does not match its schema."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


def read_yaml(path: Path) -> object:
    """Parse one YAML file, raising :class:`KnowledgeBaseError` with the file name on bad syntax."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(path, f"invalid YAML: {exc}") from exc


def parse_file(path: Path, model: type[M]) -> M:
    """Read ``path`` and validate it as ``model``; never returns a half-loaded object."""
    try:
        return model.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise KnowledgeBaseError(path, str(exc)) from exc


def procedure_files(kb_dir: Path) -> list[Path]:
    """Every procedure file under ``kb_dir``, in a stable order."""
    return sorted((kb_dir / PROCEDURES_DIR).glob("*/*.yml"))


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the assistant knows, loaded and validated."""

    kb_dir: Path
    procedures: dict[str, Procedure]
    central: CentralIndex | None
    site: Site | None
    answer_rules: AnswerRules
    faqs: list[Faq] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    source_hash: str = ""

    def content_hash(self) -> str:
        """SHA-256 over the bytes of every file the knowledge base was loaded from."""
        return self.source_hash


def _hash_files(kb_dir: Path, paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(kb_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_procedures(kb_dir: Path) -> dict[str, Procedure]:
    """All procedures keyed by base code; a code appearing twice is an error."""
    procedures: dict[str, Procedure] = {}
    for path in procedure_files(kb_dir):
        procedure = parse_file(path, Procedure)
        if path.stem != procedure.code:
            raise KnowledgeBaseError(path, f"file name must be the code {procedure.code}.yml")
        if procedure.code in procedures:
            raise KnowledgeBaseError(path, f"duplicate procedure code {procedure.code}")
        procedures[procedure.code] = procedure
    return procedures


def build_procedure_entries(procedures: dict[str, Procedure], rules: AnswerRules) -> list[Entry]:
    """Topic entries of every procedure, in code order."""
    entries: list[Entry] = []
    for code in sorted(procedures):
        procedure = procedures[code]
        successor = procedures.get(procedure.superseded_by) if procedure.superseded_by else None
        entries.extend(procedure_entries(procedure, rules, successor))
    return entries


def load_answer_rules(kb_dir: Path, site: Site | None) -> AnswerRules:
    """The rules of ``kb_dir/answers.yml`` with the district notice of ``site``; required."""
    path = kb_dir / ANSWERS_FILE
    if not path.exists():
        raise KnowledgeBaseError(path, "missing: answers need answers.yml (see docs/curation.md)")
    answers = parse_file(path, AnswersFile)
    try:
        return AnswerRules.build(answers, site)
    except ValueError as exc:
        raise KnowledgeBaseError(path, str(exc)) from exc


def load_faqs(kb_dir: Path) -> list[Faq]:
    """Every FAQ of ``faq/*.yml`` in file order; an id used twice is an error."""
    faqs: list[Faq] = []
    seen: set[str] = set()
    for path in sorted((kb_dir / FAQ_DIR).glob("*.yml")):
        for faq in parse_file(path, FaqFile).faqs:
            if faq.id in seen:
                raise KnowledgeBaseError(path, f"duplicate FAQ id {faq.id}")
            seen.add(faq.id)
            faqs.append(faq)
    return faqs


def _source_files(kb_dir: Path) -> list[Path]:
    extra = [kb_dir / CENTRAL_FILE, kb_dir / SITE_FILE, kb_dir / ANSWERS_FILE]
    return [
        *procedure_files(kb_dir),
        *sorted((kb_dir / FAQ_DIR).glob("*.yml")),
        *(path for path in extra if path.exists()),
    ]


def _code_hash() -> str:
    """Hash of the modules that shape the loaded result, so a code change invalidates caches."""
    package = Path(__file__).parent
    names = (
        "loader.py",
        "schema.py",
        "entries.py",
        "documents.py",
        "legal.py",
        "faq.py",
        "site.py",
        "answer_rules.py",
        "localize.py",
    )
    return _hash_files(package, [package / name for name in names])


def _read_cache(path: Path, kb_dir: Path) -> KnowledgeBase | None:
    try:
        with path.open("rb") as handle:
            cached = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return replace(cached, kb_dir=kb_dir) if isinstance(cached, KnowledgeBase) else None


def _write_cache(path: Path, kb: KnowledgeBase) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f"{CACHE_PREFIX}*.pickle"):
        stale.unlink(missing_ok=True)
    temporary = path.with_suffix(".tmp")
    with temporary.open("wb") as handle:
        pickle.dump(kb, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)


def load_knowledge_base(kb_dir: Path, cache_dir: Path | None = None) -> KnowledgeBase:
    """Load and validate every file of ``kb_dir``; raises :class:`KnowledgeBaseError` on problems.

    With ``cache_dir`` (e.g. ``settings.build_dir``) the validated result is cached there, keyed
    by the bytes of every source file and of the loader code, so an unchanged knowledge base
    loads in a fraction of a second and any edit is picked up.
    """
    source_hash = _hash_files(kb_dir, _source_files(kb_dir))
    cache_path = None
    if cache_dir is not None:
        key = hashlib.sha256(f"{source_hash}:{_code_hash()}".encode()).hexdigest()[:24]
        cache_path = cache_dir / f"{CACHE_PREFIX}{key}.pickle"
        cached = _read_cache(cache_path, kb_dir) if cache_path.exists() else None
        if cached is not None:
            return cached
    kb = _load(kb_dir, source_hash)
    if cache_path is not None:
        _write_cache(cache_path, kb)
    return kb


def _load(kb_dir: Path, source_hash: str) -> KnowledgeBase:
    central_path, site_path = kb_dir / CENTRAL_FILE, kb_dir / SITE_FILE
    central = parse_file(central_path, CentralIndex) if central_path.exists() else None
    site = parse_file(site_path, Site) if site_path.exists() else None
    procedures = load_procedures(kb_dir)
    faqs = load_faqs(kb_dir)
    if faqs and site is None:
        raise KnowledgeBaseError(site_path, "FAQ answers need site.yml to render")
    rules = load_answer_rules(kb_dir, site)
    entries = build_procedure_entries(procedures, rules)
    if central is not None:
        entries.extend(
            central_entry(item, central.data_date, rules.provenance) for item in central.procedures
        )
    if site is not None:
        entries.extend(faq_entry(faq, site) for faq in faqs)
    return KnowledgeBase(
        kb_dir=kb_dir,
        procedures=procedures,
        central=central,
        site=site,
        answer_rules=rules,
        faqs=faqs,
        entries=entries,
        source_hash=source_hash,
    )
