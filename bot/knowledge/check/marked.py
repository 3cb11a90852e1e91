"""YAML read with the line and column of every node, and the located problems found in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel

Severity = Literal["error", "warning"]
Loc = tuple[str | int, ...]


class Problem(BaseModel):
    """One problem found in a knowledge-base file, located for the person who fixes it."""

    file: str
    line: int
    column: int
    severity: Severity
    message: str
    hint: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.severity}: {self.message} (hint: {self.hint})"


class KbFileError(ValueError):
    """A knowledge-base file that cannot be loaded; carries every located problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class MarkedYaml(BaseModel):
    """Plain data read from a YAML file plus the position of each node, keyed by its path."""

    data: Any
    values: dict[Loc, tuple[int, int]]
    keys: dict[Loc, tuple[int, int]]

    def position(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the deepest known node on ``loc``."""
        for depth in range(len(loc), -1, -1):
            prefix = loc[:depth]
            if key and depth == len(loc) and prefix in self.keys:
                return self.keys[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return (1, 1)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def read_yaml(path: Path) -> tuple[MarkedYaml, list[Problem]]:
    """Read ``path`` keeping node positions; syntax errors and duplicate keys are problems."""
    text = path.read_text(encoding="utf-8")
    loader = yaml.CSafeLoader(text)
    problems: list[Problem] = []
    values: dict[Loc, tuple[int, int]] = {}
    keys: dict[Loc, tuple[int, int]] = {}

    def build(node: yaml.Node, loc: Loc) -> Any:
        values[loc] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            mapping: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = loader.construct_object(key_node, deep=True)
                if key in mapping:
                    line, column = _mark(key_node)
                    problems.append(
                        problem(
                            path,
                            line,
                            column,
                            f"mục '{key}' được ghi hai lần trong cùng một khối",
                            "xóa một trong hai dòng; YAML chỉ giữ lại dòng sau cùng",
                        )
                    )
                keys[(*loc, key)] = _mark(key_node)
                mapping[key] = build(value_node, (*loc, key))
            return mapping
        if isinstance(node, yaml.SequenceNode):
            return [build(item, (*loc, index)) for index, item in enumerate(node.value)]
        return loader.construct_object(node, deep=True)

    try:
        root = loader.get_single_node()
        data = build(root, ()) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problems.append(
            problem(
                path,
                line,
                column,
                f"tệp YAML viết sai cú pháp: {exc.problem or exc.context}",
                "kiểm tra thụt lề (dùng dấu cách, không dùng Tab), dấu ':' sau tên mục, "
                "và đặt câu có dấu ':' hoặc '#' trong ngoặc kép",
            )
        )
        data = None
    finally:
        loader.dispose()
    return MarkedYaml(data=data, values=values, keys=keys), problems


def problem(
    path: Path, line: int, column: int, message: str, hint: str, severity: Severity = "error"
) -> Problem:
    return Problem(
        file=str(path), line=line, column=column, severity=severity, message=message, hint=hint
    )
