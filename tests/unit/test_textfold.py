"""The one accent folding (``bot.textfold``), its users, and the Rasa component's own copy."""

from __future__ import annotations

import ast
import re
import types
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.knowledge.loader import load_procedures
from bot.knowledge.writer import field_slug
from bot.portal_service.text import search_key
from bot.settings import REPO_ROOT
from bot.textfold import fold, fold_aligned, strip_marks

COMPONENT = REPO_ROOT / "rasa_components" / "accent_folder.py"


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    """Every procedure name and field, and every curated question of the knowledge base."""
    texts: list[str] = []
    for procedure in load_procedures(REPO_ROOT / "knowledge_base").values():
        texts += [procedure.name, procedure.field, *(q.text for q in procedure.questions)]
    assert len(texts) > 10_000
    return texts


def _component_fold() -> Callable[[str], str]:
    """The component's ``fold``, compiled from its source: the module imports Rasa, which runs
    only in the Rasa venv, while the function itself needs nothing but ``unicodedata``."""
    tree = ast.parse(COMPONENT.read_text(encoding="utf-8"))
    wanted = [
        node
        for node in tree.body
        if (isinstance(node, ast.FunctionDef) and node.name == "fold")
        or (isinstance(node, ast.Import) and [a.name for a in node.names] == ["unicodedata"])
    ]
    assert len(wanted) == 2, "accent_folder.py must define fold() and import unicodedata"
    module = types.ModuleType("accent_folder_fold")
    exec(compile(ast.Module(body=wanted, type_ignores=[]), str(COMPONENT), "exec"), module.__dict__)
    return module.fold


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đăng ký KHAI SINH!", "dang ky khai sinh"),
        ("ĐỔI thẻ căn cước", "doi the can cuoc"),
        ("Cấp lại thẻ BHYT (loại III)", "cap lai the bhyt loai iii"),
        ("hoá đơn", "hoa don"),
        ("hóa đơn", "hoa don"),
        ("ho\u0301a đơn", "hoa don"),  # decomposed input folds like composed input
        ("ươ ƯƠ ơ ư", "uo uo o u"),
        ("  \t ", ""),
    ],
)
def test_fold_reads_vietnamese_without_marks(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_strip_marks_keeps_everything_but_case_and_marks() -> None:
    assert strip_marks("Đăng ký, KHAI SINH! 2 lần?") == "dang ky, khai sinh! 2 lan?"


def test_strip_marks_is_the_whole_text_decomposed_without_marks(corpus: list[str]) -> None:
    """Folding character by character gives what decomposing the whole text gives, marks typed
    apart, stacked or out of order included."""

    def reference(text: str) -> str:
        decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch))

    odd = [
        "ho\u0323\u0302i đa\u0300o ta\u0323o",  # marks typed after their letter, dot first
        "Ệ\u0301\u0300 ĐĐđ ÅΣΣ ǅ ﬁ ẞ ﬀ",
        "한국어 日本語 Ελληνικά ي\u064e 😀\u0301",
        "\u0301\u0300 a lone mark first",
    ]
    for text in [*corpus, *odd]:
        assert strip_marks(text) == reference(text), text


def test_aligned_fold_keeps_positions_and_the_same_words(corpus: list[str]) -> None:
    for text in corpus:
        aligned = fold_aligned(text)
        assert len(aligned) == len(text.lower()), text
        assert " ".join(aligned.split()) == fold(text), text


def test_portal_key_and_field_slug_fold_to_the_same_words(corpus: list[str]) -> None:
    for text in corpus:
        assert fold(search_key(text)) == fold(text), text
        slug = field_slug(text)
        assert slug == "khac" or slug in fold(text).replace(" ", "-"), text


def test_rasa_component_folds_like_the_assistant(corpus: list[str]) -> None:
    component_fold = _component_fold()
    assert component_fold("Đăng ký KHAI SINH") == "dang ky khai sinh"
    differ = [text for text in corpus if component_fold(text) != strip_marks(text)]
    assert differ == []
    tokens = {token for text in corpus for token in text.split()}
    assert all(fold(component_fold(token)) == fold(token) for token in tokens)


def test_accent_folding_is_written_once() -> None:
    """Outside the Rasa component (its own venv), no module folds accents but ``bot.textfold``."""
    folding = re.compile(r"def fold\b|unicodedata\.combining\(")
    writers = sorted(
        path.relative_to(REPO_ROOT).as_posix()
        for directory in ("bot", "actions")
        for path in Path(REPO_ROOT / directory).rglob("*.py")
        if folding.search(path.read_text(encoding="utf-8"))
    )
    assert writers == ["bot/textfold.py"]
