"""Rules over procedure files: file names, codes, source links, legal numbers, references, names."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from bot.knowledge.check.checker import Checker, same_text_key
from bot.knowledge.check.marked import Loc, MarkedYaml, Severity
from bot.knowledge.legal import is_valid_number
from bot.knowledge.schema import LegalRef, Procedure
from bot.textfold import strip_marks

PROVINCE_CODE = re.compile(r"^(?P<base>\d\.\d{6})\.\d{3}\.\d{2}\.\d{2}\.H37(\.[HX])?$")
PORTAL_HOSTS = {"province": "dichvucong.langson.gov.vn", "national": "dichvucong.gov.vn"}


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
    checker: Checker, path: Path, procedure: Procedure, marked: MarkedYaml
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
    checker: Checker, path: Path, procedure: Procedure, marked: MarkedYaml
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


def _check_references(checker: Checker) -> None:
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


def check_procedures(checker: Checker) -> None:
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


def check_same_names(checker: Checker) -> None:
    """Two unrelated procedures with the same name cannot be told apart by a citizen."""
    first: dict[str, Procedure] = {}
    for code in sorted(checker.procedures):
        procedure, path, marked = checker.procedures[code]
        name = procedure.effective().name
        earlier = first.setdefault(same_text_key(strip_marks(name.casefold())), procedure)
        if earlier is procedure or related(earlier, procedure):
            continue
        checker.add(
            path,
            marked.position(("name",)),
            f"thủ tục {code} trùng tên với thủ tục {earlier.code} ('{name}'): người dân hỏi "
            "không phân biệt được",
            "nếu một thủ tục là bản cũ của thủ tục kia, ghi vào successors: của source_edits.yml; "
            "nếu khác nhau, sửa tên trong overrides cho rõ (ví dụ nêu cấp thực hiện)",
            "warning",
        )


def related(a: Procedure, b: Procedure) -> bool:
    """Whether two procedures are declared variants or successors of each other."""
    links_a = {a.variant_of, a.superseded_by, *a.supersedes}
    links_b = {b.variant_of, b.superseded_by, *b.supersedes}
    return (
        b.code in links_a
        or a.code in links_b
        or (a.variant_of is not None and a.variant_of == b.variant_of)
    )
