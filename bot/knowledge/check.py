"""Validation of the knowledge base with ``file:line:column`` locations (``isee kb check``).

Every YAML file is read with PyYAML's composer, which keeps the line and column of each node, then
validated by its pydantic model; validation errors are mapped back to the node they concern. A file
with any error never half-loads: :func:`read_model` raises :class:`KbFileError` with every problem.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.knowledge.faq import Faq, FaqFile
from bot.knowledge.legal import is_valid_number
from bot.knowledge.schema import CentralIndex, LegalRef, Procedure
from bot.knowledge.site import Site
from bot.knowledge.synonyms import SYNONYMS_FILE, SynonymList

M = TypeVar("M", bound=BaseModel)
Severity = Literal["error", "warning"]
Loc = tuple[str | int, ...]

PROVINCE_CODE = re.compile(r"^(?P<base>\d\.\d{6})\.\d{3}\.\d{2}\.\d{2}\.H37(\.[HX])?$")
CENTRAL_FILE = "central.yml"
AMBIGUITY_MIN_SCORE = 0.4
AMBIGUITY_MAX_GAP = 0.03
PORTAL_HOSTS = {"province": "dichvucong.langson.gov.vn", "national": "dichvucong.gov.vn"}


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
                        _problem(
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
            _problem(
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


def _problem(
    path: Path, line: int, column: int, message: str, hint: str, severity: Severity = "error"
) -> Problem:
    return Problem(
        file=str(path), line=line, column=column, severity=severity, message=message, hint=hint
    )


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
            problems.append(_problem(path, line, column, message, hint))
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


class CheckReport(BaseModel):
    """Everything ``isee kb check`` found, with counts of what it looked at."""

    problems: list[Problem]
    files: int
    procedures: int
    faqs: int
    questions: int

    @property
    def errors(self) -> list[Problem]:
        """Problems that must be fixed before the knowledge base can be used."""
        return [problem for problem in self.problems if problem.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth curating that do not block loading."""
        return [problem for problem in self.problems if problem.severity == "warning"]


class _Question(BaseModel):
    """A curated question and where it is written."""

    text: str
    owner: str
    procedure: str | None
    file: str
    line: int
    column: int


def _fold(text: str) -> str:
    """Lower case without diacritics (đ → d), for lexical comparison."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _same_text_key(text: str) -> str:
    """Key under which two questions are the same text: case, spacing and final '?' ignored."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split()).rstrip(" ?.!")


def _terms(text: str) -> set[str]:
    """Accent-folded syllables and syllable bigrams of ``text``."""
    words = "".join(char if char.isalnum() else " " for char in _fold(text)).split()
    return set(words) | {f"{a} {b}" for a, b in pairwise(words)}


class _Checker:
    """Loads every file of one knowledge base and collects the problems found."""

    def __init__(self, kb_dir: Path) -> None:
        self.kb_dir = kb_dir
        self.problems: list[Problem] = []
        self.files = 0
        self.procedures: dict[str, tuple[Procedure, Path, MarkedYaml]] = {}
        self.faqs = 0
        self.questions: list[_Question] = []

    def add(
        self,
        path: Path,
        where: tuple[int, int],
        message: str,
        hint: str,
        severity: Severity = "error",
    ) -> None:
        self.problems.append(_problem(path, *where, message, hint, severity))

    def load(self, path: Path, model: type[M]) -> tuple[M | None, MarkedYaml]:
        self.files += 1
        marked, problems = read_yaml(path)
        if problems:
            self.problems.extend(problems)
            return None, marked
        value, problems = validate_marked(path, marked, model)
        self.problems.extend(problems)
        return value, marked

    def collect(
        self,
        path: Path,
        marked: MarkedYaml,
        loc: Loc,
        texts: Iterable[str],
        owner: str,
        procedure: str | None,
    ) -> None:
        for index, text in enumerate(texts):
            line, column = marked.position((*loc, index))
            self.questions.append(
                _Question(
                    text=text,
                    owner=owner,
                    procedure=procedure,
                    file=str(path),
                    line=line,
                    column=column,
                )
            )


def _link_problem(url: str, expected_host: str) -> tuple[str, str, Severity] | None:
    """What is wrong with a source link, if anything."""
    parts = urlsplit(url)
    if (
        any(char.isspace() for char in url)
        or parts.scheme not in {"http", "https"}
        or not parts.netloc
    ):
        return (
            f"đường dẫn '{url}' không hợp lệ",
            "dán lại đầy đủ đường dẫn, bắt đầu bằng https:// và không có dấu cách",
            "error",
        )
    if parts.hostname != expected_host:
        return (
            f"đường dẫn trỏ tới '{parts.hostname}', không phải {expected_host}",
            "kiểm tra lại đường dẫn tới trang thủ tục trên Cổng Dịch vụ công",
            "warning",
        )
    return None


def _check_procedure(
    checker: _Checker, path: Path, procedure: Procedure, marked: MarkedYaml
) -> None:
    """File name, duplicate code, province codes and source links of one valid procedure."""
    if path.stem != procedure.code:
        checker.add(
            path,
            marked.position(("code",)),
            f"tên tệp '{path.name}' không khớp mã thủ tục {procedure.code}",
            f"đổi tên tệp thành {procedure.code}.yml hoặc sửa lại mã",
        )
    if procedure.code in checker.procedures:
        first = checker.procedures[procedure.code][1]
        checker.add(
            path,
            marked.position(("code",)),
            f"mã thủ tục {procedure.code} trùng với tệp {first}",
            "mỗi thủ tục chỉ có một tệp; gộp nội dung rồi xóa tệp thừa",
        )
        return
    checker.procedures[procedure.code] = (procedure, path, marked)
    for index, code in enumerate(procedure.province_codes):
        match = PROVINCE_CODE.match(code)
        if match is None or match["base"] != procedure.code:
            checker.add(
                path,
                marked.position(("province_codes", index)),
                f"mã của tỉnh '{code}' không đúng dạng {procedure.code}.000.00.00.H37",
                "sao chép lại mã từ danh mục thủ tục của tỉnh, không để dấu cách",
            )
    for kind, url in (
        ("province", procedure.links.province),
        ("national", procedure.links.national),
    ):
        found = _link_problem(url, PORTAL_HOSTS[kind]) if url else None
        if found:
            message, hint, severity = found
            checker.add(path, marked.position(("links", kind)), message, hint, severity)
    _check_legal_numbers(checker, path, procedure, marked)
    checker.collect(
        path,
        marked,
        ("questions",),
        [question.text for question in procedure.questions],
        procedure.code,
        procedure.code,
    )


def _check_legal_numbers(
    checker: _Checker, path: Path, procedure: Procedure, marked: MarkedYaml
) -> None:
    """Every legal reference's number reads ``số/năm/loại-cơ quan`` (e.g. 123/2015/NĐ-CP)."""
    lists: list[tuple[Loc, list[LegalRef]]] = [(("legal_basis",), procedure.legal_basis)]
    if procedure.overrides and procedure.overrides.legal_basis:
        lists.append((("overrides", "legal_basis"), procedure.overrides.legal_basis))
    for loc, refs in lists:
        for index, ref in enumerate(refs):
            if ref.number and not is_valid_number(ref.number):
                checker.add(
                    path,
                    marked.position((*loc, index, "number")),
                    f"số hiệu văn bản '{ref.number}' không đúng dạng số/năm/loại-cơ quan",
                    "sửa theo văn bản gốc, ví dụ 123/2015/NĐ-CP, 59/2020/QH14, "
                    "20/2014/TTLT-BTP-BCA; nếu không rõ số hiệu thì xóa dòng number và giữ title",
                    "warning",
                )


def _check_references(checker: _Checker) -> None:
    """``superseded_by``, ``variant_of`` and ``supersedes`` must name a loaded procedure."""
    for procedure, path, marked in checker.procedures.values():
        references: list[tuple[Loc, str]] = [
            (("superseded_by",), procedure.superseded_by or ""),
            (("variant_of",), procedure.variant_of or ""),
            *((("supersedes", index), code) for index, code in enumerate(procedure.supersedes)),
        ]
        for loc, code in references:
            if code and code not in checker.procedures:
                checker.add(
                    path,
                    marked.position(loc),
                    f"'{loc[0]}' trỏ tới thủ tục {code} không có trong cơ sở tri thức",
                    "sửa mã cho đúng hoặc xóa dòng này",
                )


def _check_procedures(checker: _Checker) -> None:
    """Every ``procedures/<field>/<code>.yml`` file, then the codes they refer to."""
    root = checker.kb_dir / "procedures"
    for path in sorted(root.rglob("*.yml")):
        if path.parent.parent != root:
            checker.add(
                path,
                (1, 1),
                "tệp thủ tục nằm sai thư mục nên không được nạp",
                "đặt tệp tại procedures/<lĩnh-vực>/<mã>.yml",
                "warning",
            )
            continue
        procedure, marked = checker.load(path, Procedure)
        if procedure is not None:
            _check_procedure(checker, path, procedure, marked)
    _check_references(checker)


def _check_faqs(checker: _Checker, site: Site | None) -> None:
    """Every ``faq/*.yml`` file: schema, ids used once, placeholders known to ``site.yml``."""
    seen: dict[str, Path] = {}
    for path in faq_paths(checker.kb_dir):
        faq_file, marked = checker.load(path, FaqFile)
        if faq_file is None:
            continue
        for index, faq in enumerate(faq_file.faqs):
            checker.faqs += 1
            if faq.id in seen:
                checker.add(
                    path,
                    marked.position(("faqs", index, "id")),
                    f"mã câu hỏi '{faq.id}' đã có trong {seen[faq.id]}",
                    "đặt mã khác, hoặc gộp hai câu hỏi làm một",
                )
            seen.setdefault(faq.id, path)
            unknown = site.unknown_keys(faq.answer) if site else []
            for key in unknown:
                checker.add(
                    path,
                    marked.position(("faqs", index, "answer")),
                    f"câu trả lời dùng {{site.{key}}} nhưng site.yml không có mục '{key}'",
                    f"thêm mục '{key}' vào site.yml hoặc sửa lại tên chỗ trống",
                )
            _check_faq_sources(checker, path, marked, ("faqs", index), faq, site)
            checker.collect(
                path, marked, ("faqs", index, "questions"), faq.questions, f"faq:{faq.id}", None
            )


def _check_faq_sources(
    checker: _Checker, path: Path, marked: MarkedYaml, loc: Loc, faq: Faq, site: Site | None
) -> None:
    """An FAQ cites its sources; a cited procedure is loaded, a cited portal is in site.yml."""
    if not faq.sources:
        checker.add(
            path,
            marked.position(loc),
            f"câu hỏi '{faq.id}' chưa ghi nguồn (sources:)",
            "ghi văn bản pháp luật, trang chính thức hoặc mã thủ tục làm căn cứ cho từng thông tin "
            "(xem docs/curation.md); bỏ thông tin không có nguồn",
            "warning",
        )
    for index, source in enumerate(faq.sources):
        where = marked.position((*loc, "sources", index))
        if source.procedure and source.procedure not in checker.procedures:
            checker.add(
                path,
                where,
                f"nguồn trỏ tới thủ tục {source.procedure} không có trong cơ sở tri thức",
                "sửa mã thủ tục cho đúng hoặc xóa nguồn này",
                "warning",
            )
        if source.site and site and source.site not in site.facts:
            checker.add(
                path,
                where,
                f"nguồn dùng site: {source.site} nhưng site.yml không có mục này",
                "dùng một mục có trong site.yml, ví dụ national_portal_url",
            )


def _check_optional(checker: _Checker, name: str, model: type[BaseModel]) -> None:
    """A file validated only when present (``central.yml``, ``synonyms.yml``)."""
    path = checker.kb_dir / name
    if path.exists():
        checker.load(path, model)


def _check_same_names(checker: _Checker) -> None:
    """Two unrelated procedures with the same name cannot be told apart by a citizen."""
    first: dict[str, Procedure] = {}
    for code in sorted(checker.procedures):
        procedure, path, marked = checker.procedures[code]
        name = procedure.effective().name
        earlier = first.setdefault(_same_text_key(_fold(name)), procedure)
        if earlier is procedure or _related(earlier, procedure):
            continue
        checker.add(
            path,
            marked.position(("name",)),
            f"thủ tục {code} trùng tên với thủ tục {earlier.code} ('{name}'): người dân hỏi "
            "không phân biệt được",
            "ghi variant_of hoặc superseded_by nếu là cùng một thủ tục; nếu khác nhau, sửa tên "
            "trong overrides cho rõ (ví dụ nêu cấp thực hiện)",
            "warning",
        )


def _check_duplicate_questions(checker: _Checker) -> None:
    """A curated question written twice, or equal to the name of another procedure."""
    names: dict[str, list[str]] = defaultdict(list)
    for code in sorted(checker.procedures):
        names[_same_text_key(checker.procedures[code][0].effective().name)].append(code)
    first: dict[str, _Question] = {}
    for question in checker.questions:
        key = _same_text_key(question.text)
        named = names.get(key, [])
        if named and question.procedure not in named:
            checker.add(
                Path(question.file),
                (question.line, question.column),
                f"câu hỏi '{question.text}' trùng đúng tên thủ tục {', '.join(named)}",
                "xóa câu này; tên thủ tục đã được tìm kiếm sẵn",
            )
        earlier = first.setdefault(key, question)
        if earlier is question:
            continue
        same_owner = earlier.owner == question.owner
        checker.add(
            Path(question.file),
            (question.line, question.column),
            f"câu hỏi '{question.text}' đã có ở {earlier.file}:{earlier.line}"
            + ("" if same_owner else f" (thuộc {earlier.owner})"),
            "xóa câu lặp lại"
            if same_owner
            else "mỗi câu hỏi chỉ thuộc một mục; giữ ở mục đúng nhất",
            "warning" if same_owner else "error",
        )


class _NameIndex:
    """Accent-folded term index over procedure names, for a cheap cosine similarity."""

    def __init__(self, names: dict[str, str]) -> None:
        self.codes = list(names)
        self.terms = [_terms(names[code]) for code in self.codes]
        frequency: dict[str, int] = defaultdict(int)
        for terms in self.terms:
            for term in terms:
                frequency[term] += 1
        total = len(self.codes) + 1
        self.idf = {term: _idf(total, count) for term, count in frequency.items()}
        self.postings: dict[str, list[int]] = defaultdict(list)
        for index, terms in enumerate(self.terms):
            for term in terms:
                self.postings[term].append(index)
        self.norms = [_norm(terms, self.idf) for terms in self.terms]

    def best_two(self, text: str) -> list[tuple[float, str]]:
        """The two procedures whose names are closest to ``text`` (cosine, best first)."""
        query = {term for term in _terms(text) if term in self.idf}
        query_norm = _norm(query, self.idf)
        if not query_norm:
            return []
        overlap: dict[int, float] = defaultdict(float)
        for term in query:
            weight = self.idf[term] ** 2
            for index in self.postings[term]:
                overlap[index] += weight
        scored = sorted(
            (
                (score / (query_norm * self.norms[index]), self.codes[index])
                for index, score in overlap.items()
            ),
            reverse=True,
        )
        return scored[:2]


def _idf(total: int, count: int) -> float:
    return math.log(total / count) + 1.0


def _norm(terms: set[str], idf: dict[str, float]) -> float:
    return sum(idf.get(term, 0.0) ** 2 for term in terms) ** 0.5


def _related(a: Procedure, b: Procedure) -> bool:
    """Whether two procedures are declared variants or successors of each other."""
    links_a = {a.variant_of, a.superseded_by, *a.supersedes}
    links_b = {b.variant_of, b.superseded_by, *b.supersedes}
    return (
        b.code in links_a
        or a.code in links_b
        or (a.variant_of is not None and a.variant_of == b.variant_of)
    )


def _check_ambiguity(checker: _Checker) -> None:
    """A procedure question whose two closest procedure names score alike.

    Closeness is the cosine of IDF-weighted accent-folded syllables and syllable bigrams: cheap,
    lexical, and enough to show staff where a question needs a distinguishing word.
    """
    procedures = {code: item[0].effective() for code, item in checker.procedures.items()}
    if len(procedures) < 2:
        return
    index = _NameIndex({code: procedure.name for code, procedure in procedures.items()})
    for question in checker.questions:
        if question.procedure is None:
            continue
        best = index.best_two(question.text)
        if len(best) < 2:
            continue
        (first_score, first), (second_score, second) = best
        if first_score < AMBIGUITY_MIN_SCORE or first_score - second_score > AMBIGUITY_MAX_GAP:
            continue
        if _related(procedures[first], procedures[second]):
            continue
        checker.add(
            Path(question.file),
            (question.line, question.column),
            f"câu hỏi '{question.text}' gần như nhau với hai thủ tục {first} "
            f"({procedures[first].name}) và {second} ({procedures[second].name})",
            "thêm từ phân biệt vào câu hỏi, hoặc đánh dấu một thủ tục là biến thể (variant_of)",
            "warning",
        )


def check_knowledge_base(kb_dir: Path) -> CheckReport:
    """Load and validate every file of ``kb_dir``; report every problem found."""
    checker = _Checker(kb_dir)
    site_path = kb_dir / "site.yml"
    site: Site | None = None
    if site_path.exists():
        site, _ = checker.load(site_path, Site)
    else:
        checker.add(
            site_path, (1, 1), "thiếu tệp site.yml", "tạo lại site.yml theo docs/curation.md"
        )
    _check_procedures(checker)
    _check_optional(checker, CENTRAL_FILE, CentralIndex)
    _check_optional(checker, SYNONYMS_FILE, SynonymList)
    _check_faqs(checker, site)
    _check_same_names(checker)
    _check_duplicate_questions(checker)
    _check_ambiguity(checker)
    problems = sorted(
        checker.problems, key=lambda p: (p.severity != "error", p.file, p.line, p.column)
    )
    return CheckReport(
        problems=problems,
        files=checker.files,
        procedures=len(checker.procedures),
        faqs=checker.faqs,
        questions=len(checker.questions),
    )
