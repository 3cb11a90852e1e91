"""Validation of read YAML by its pydantic model, errors explained in plain Vietnamese at their node."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.knowledge.check.marked import KbFileError, Loc, MarkedYaml, Problem, problem, read_yaml
from bot.knowledge.faq import Faq, FaqFile
from bot.knowledge.site import Site

M = TypeVar("M", bound=BaseModel)


def _field_name(loc: Loc) -> str:
    names = [str(part) for part in loc if isinstance(part, str)]
    return names[-1] if names else "tệp"


_TYPE_WORDS = {
    "string_type": ("phải là chữ", 'đặt giá trị trong ngoặc kép, ví dụ "1.001193"'),
    "bool_type": ("phải là true hoặc false", "viết true (có) hoặc false (không), không ngoặc"),
    "date_type": ("phải là một ngày", "viết ngày dạng 2026-01-31, không ngoặc kép"),
    "list_type": ("phải là một danh sách", "mỗi phần tử một dòng, bắt đầu bằng '- '"),
    "dict_type": ("phải là một khối các mục con", "thụt lề các mục con vào trong mục này"),
    "model_type": ("phải là một khối các mục con", "thụt lề các mục con vào trong mục này"),
    "int_type": ("phải là một số nguyên", "viết số, không ngoặc kép"),
}


def _explain(error: ErrorDetails) -> tuple[str, str, bool]:
    """Plain-language message, fix hint, and whether the error is about the key itself."""
    kind, loc = error["type"], error["loc"]
    name = _field_name(loc)
    if kind == "missing":
        return (f"thiếu mục bắt buộc '{name}'", f"thêm dòng '{name}: …' vào khối này", False)
    if kind == "extra_forbidden":
        return (
            f"mục '{name}' không có trong mẫu",
            "kiểm tra chính tả tên mục (xem docs/curation.md) hoặc xóa dòng này",
            True,
        )
    if kind in _TYPE_WORDS:
        words, hint = _TYPE_WORDS[kind]
        return (f"'{name}' {words}", hint, False)
    if kind == "literal_error":
        expected = str((error.get("ctx") or {}).get("expected", "")).replace(" or ", ", ")
        return (f"'{name}' có giá trị không hợp lệ", f"chỉ dùng một trong: {expected}", False)
    if kind == "string_pattern_mismatch":
        return (
            f"'{name}' không đúng định dạng",
            "mã thủ tục dạng 1.001193; mã câu hỏi chỉ gồm chữ thường không dấu, số và '_'",
            False,
        )
    if kind in {"too_short", "string_too_short"}:
        return (f"'{name}' quá ngắn hoặc để trống", "bổ sung nội dung cho mục này", False)
    if kind == "value_error":
        message = str((error.get("ctx") or {}).get("error", error["msg"]))
        return (message, "sửa theo hướng dẫn trong docs/curation.md", False)
    return (f"'{name}': {error['msg']}", "sửa giá trị cho đúng kiểu của mục này", False)


def validate_marked(
    path: Path, marked: MarkedYaml, model: type[M]
) -> tuple[M | None, list[Problem]]:
    """Validate already-read YAML against ``model``; problems carry the node positions."""
    try:
        return model.model_validate(marked.data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            message, hint, on_key = _explain(error)
            line, column = marked.position(tuple(error["loc"]), key=on_key)
            problems.append(problem(path, line, column, message, hint))
        return None, problems


def read_model(path: Path, model: type[M]) -> M:
    """Load one YAML file as ``model`` or raise :class:`KbFileError` with every problem."""
    marked, problems = read_yaml(path)
    if problems:
        raise KbFileError(problems)
    value, problems = validate_marked(path, marked, model)
    if value is None:
        raise KbFileError(problems)
    return value


def faq_paths(kb_dir: Path) -> list[Path]:
    """The FAQ files of a knowledge base, in a stable order."""
    return sorted((kb_dir / "faq").glob("*.yml"))


def load_faqs(kb_dir: Path) -> list[Faq]:
    """Every FAQ of ``kb_dir/faq/*.yml``, in file order; raises :class:`KbFileError`."""
    problems: list[Problem] = []
    faqs: list[Faq] = []
    for path in faq_paths(kb_dir):
        try:
            faqs.extend(read_model(path, FaqFile).faqs)
        except KbFileError as exc:
            problems.extend(exc.problems)
    if problems:
        raise KbFileError(problems)
    return faqs


def load_site(kb_dir: Path) -> Site:
    """The province facts and notices of ``kb_dir/site.yml``; raises :class:`KbFileError`."""
    return read_model(kb_dir / "site.yml", Site)
