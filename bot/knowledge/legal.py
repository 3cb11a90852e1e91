"""Vietnamese legal document numbers, and the national portal's flattened legal-basis cell.

A document number reads ``số/năm/loại-cơ quan`` (``123/2015/NĐ-CP``, ``13/2023/TT-BGTVT``,
``20/2014/TTLT-BTP-BCA``); laws and National Assembly resolutions end with the legislature
(``59/2020/QH14``); individual decisions may have no year (``595/QĐ-BHXH``).

The portal's cell is the table ``Tên văn bản pháp lý | Mã văn bản`` flattened without separators:
``TitleCodeTitleCode…``, where a title may itself mention numbers and a code cell may repeat the
document type (``Luật số 32/2024/QH15``). A code cell is recognised by what follows it: the next
title glued to it (no space), or the end of the cell; a number inside a title is followed by a
space or punctuation.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from bot.knowledge.schema import LegalRef
from bot.knowledge.text import LOWER, UPPER, clean

HEADER = "Tên văn bản pháp lýMã văn bản"

# Document types by the code in the number, e.g. ``NĐ`` in ``123/2015/NĐ-CP``.
KINDS: dict[str, str] = {
    "NĐ": "Nghị định",
    "TTLT": "Thông tư liên tịch",
    "TT": "Thông tư",
    "QĐ": "Quyết định",
    "NQLT": "Nghị quyết liên tịch",
    "NQ": "Nghị quyết",
    "PL": "Pháp lệnh",
    "CT": "Chỉ thị",
    "VBHN": "Văn bản hợp nhất",
    "L": "Lệnh",
}
# ASCII spellings found in the source, read as the Vietnamese code.
KIND_SPELLINGS = {"ND": "NĐ", "QD": "QĐ"}
# Issuing bodies (the part after the type). A truncated one is completed only when unique.
AGENCIES = (
    "CP", "TTg", "CTN", "VPCP", "BTC", "BTP", "BCA", "BQP", "BNG", "BNV", "BYT", "BXD", "BCT",
    "BGTVT", "BTNMT", "BNNMT", "BNNPTNT", "BKHĐT", "BKHCN", "BLĐTBXH", "BVHTTDL", "BTTTT", "BGDĐT",
    "BDTTG", "UBDT", "NHNN", "BHXH", "TANDTC", "VKSNDTC", "HĐTP", "KTNN", "UBND", "HĐND", "VPQH",
    "UBTƯMTTQVN", "UBTVQH", "BNN&PTNT",
)  # fmt: skip
# The only body that issues a type: a truncated ``NĐ-C`` can only be ``NĐ-CP``.
KIND_AGENCY = {"NĐ": "CP"}
# Types named in words at the start of a title or code cell (source typos included).
KIND_WORDS: dict[str, str] = {
    "bộ luật": "Bộ luật",
    "luật": "Luật",
    "luất": "Luật",
    "nghị định": "Nghị định",
    "thông tư liên tịch": "Thông tư liên tịch",
    "thông tư": "Thông tư",
    "thông thư": "Thông tư",
    "hông tư": "Thông tư",
    "quyết định": "Quyết định",
    "decision": "Quyết định",
    "nghị quyết liên tịch": "Nghị quyết liên tịch",
    "nghị quyết": "Nghị quyết",
    "pháp lệnh": "Pháp lệnh",
    "lệnh": "Lệnh",
    "chỉ thị": "Chỉ thị",
}
# Types a QH / UBTVQH number can have; the title's first word decides, else the default.
ASSEMBLY_KINDS = {"Luật", "Bộ luật", "Nghị quyết", "Pháp lệnh"}
# Years of each National Assembly term: a QH14 law is from 2016–2021 ("40/2029/QH14" is a typo).
LEGISLATURES = {11: (2002, 2007), 12: (2007, 2011), 13: (2011, 2016), 14: (2016, 2021),
                15: (2021, 2026), 16: (2026, 2031)}  # fmt: skip
FIRST_YEAR = 1945
LAST_YEAR = 2099
# Look-alike letters of other scripts seen in the source (Cyrillic "С" in "TT-BTС").
CONFUSABLES = str.maketrans("АВСЕНКМОРТХасеорх", "ABCEHKMOPTXaceopx")

_AGENCY = "|".join(sorted((re.escape(a) for a in AGENCIES), key=len, reverse=True))
_KIND = "|".join(sorted((*KINDS, *KIND_SPELLINGS), key=len, reverse=True))
_YEAR_GLUE = re.compile(r"^((?:19|20)\d\d)(\d{1,4}(?:\.\d+)?)$")
_CODE = rf"(?:(?:UBTVQH|QH)\d{{2}}|(?:PL-UBTVQH\d{{2}})|(?:{_KIND})(?:-(?:{_AGENCY}))+)"
VALID_NUMBER = re.compile(
    rf"(?P<num>\d{{1,4}}(?:\.\d{{1,3}})?[a-z]?)/(?:(?P<year>\d{{4}})/)?(?P<code>{_CODE})"
)
# A number-like token, however damaged: digits/[year/]LETTERS[-LETTERS…].
_CANDIDATE = re.compile(
    r"(?:(?<=QH\d\d)|(?<!\d)(?<!\d\.))(?P<num>\d+(?:\.\d+)?[a-z]?)/(?:(?P<year>\d{4})/)?"
    r"(?P<code>[A-ZĐƯ&]+g?\d{0,2}(?:-[A-ZĐƯ&]*g?\d{0,2})*)"
)
_SPACED_HYPHEN = re.compile(r"(?<=[A-ZĐ])-\s+(?=[A-ZĐ])")  # "QĐ- TTg" → "QĐ-TTg"
_DASHED_TITLE = re.compile(rf"(?<=[A-ZĐ])-(?=[{UPPER}][{LOWER}])")  # "NĐ-CP-Quy định"
_SLASHED_KIND = re.compile(r"(?<=\d{4}/TTLT)/(?=[A-ZĐ])")  # "TTLT/BGDĐT-BTC"
_WORD_START = re.compile(r"[A-ZĐƯ][a-z]*$")
_KIND_WORD = re.compile(
    r"\s*(?P<kind>" + "|".join(sorted(KIND_WORDS, key=len, reverse=True)) + r")\b\s*(?:số\s*)?",
    re.IGNORECASE,
)
_CODE_ONLY = re.compile(r"^\s*(?:(?:" + "|".join(KIND_WORDS) + r")\s*)?(?:số\s*)?$", re.IGNORECASE)
_BROKEN_CODE = re.compile(
    r"^\s*(?:(?:" + "|".join(KIND_WORDS) + r")\s*)?(?:số\s*)?(?P<digits>\d+)[\d./A-ZĐ-]*$",
    re.IGNORECASE,
)
_CAMEL = re.compile(rf"(?<=[{LOWER}])(?=[{UPPER}])|(?<=\d)(?=[{UPPER}][{LOWER}])")
_DATE = re.compile(
    r"ngày\s+(\d{1,2})\s*(?:/|-|\s+tháng\s+)\s*(\d{1,2})\s*(?:/|-|\s+năm\s+)\s*(\d{4})",
    re.IGNORECASE,
)
_EDGE_DATE = re.compile(rf"^{_DATE.pattern}|{_DATE.pattern}$", re.IGNORECASE)
_LOWERCASE_OPENINGS = (
    "quy định", "về", "sửa đổi", "hướng dẫn", "ban hành", "thực hiện", "cắt giảm", "phân cấp",
    "phân quyền", "phân định", "bãi bỏ", "bổ sung", "công bố", "điều chỉnh", "thay thế",
)  # fmt: skip


@dataclass(frozen=True)
class _Token:
    """A document number found in the cell, with where it sits and whether it is valid."""

    start: int
    end: int
    number: str | None  # the valid (possibly repaired) number, or None when damaged
    raw: str
    glued: bool = False  # came after a year with no space ("năm 2016" + "01/2016/QH14")


def normalize_number(text: str) -> str | None:
    """The number in canonical form (``ND`` → ``NĐ``), or None when it is not a valid number."""
    match = VALID_NUMBER.fullmatch(text.strip())
    if match is None:
        return None
    year = match["year"]
    if year and not FIRST_YEAR <= int(year) <= LAST_YEAR:
        return None
    code = match["code"]
    term = re.search(r"QH(\d\d)$", code)
    if year and term and int(term[1]) in LEGISLATURES:
        first, last = LEGISLATURES[int(term[1])]
        if not first <= int(year) <= last:
            return None
    head, _, rest = code.partition("-")
    if head in KIND_SPELLINGS and rest:
        code = f"{KIND_SPELLINGS[head]}-{rest}"
    return f"{match['num']}/{year}/{code}" if year else f"{match['num']}/{code}"


def is_valid_number(text: str) -> bool:
    """Whether ``text`` is a well-formed Vietnamese document number."""
    return normalize_number(text) is not None


def kind_of(number: str) -> str | None:
    """The document type a valid number implies (``NĐ`` → Nghị định, ``QH14`` → Luật)."""
    code = number.rsplit("/", 1)[-1]
    head = code.split("-", 1)[0]
    if head.startswith("QH"):
        return "Luật"
    if head == "PL":
        return "Pháp lệnh"
    return KINDS.get(KIND_SPELLINGS.get(head, head))


def _repair(raw: str) -> str | None:
    """Complete a truncated last issuing body when only one fits (``NĐ-C`` → ``NĐ-CP``)."""
    head, _, tail = raw.rpartition("-")
    kind = head.rsplit("/", 1)[-1].split("-", 1)[0]
    if not head or kind not in KINDS:
        return None
    fits = [KIND_AGENCY[kind]] if kind in KIND_AGENCY else list(AGENCIES)
    fits = [agency for agency in fits if agency.startswith(tail)]
    return normalize_number(f"{head}-{fits[0]}") if len(fits) == 1 else None


def _tokens(body: str) -> list[_Token]:
    """Every number-like token of ``body``, split from the title glued after it."""
    found: list[_Token] = []
    position = 0
    while match := _CANDIDATE.search(body, position):
        position = match.end()
        start, num = match.start(), match["num"]
        glued = _YEAR_GLUE.match(num)
        if glued and (match["year"] or len(num) > 4):
            start += len(glued.group(1))  # "…năm 2016" + "01/2016/QH14"
            num = glued.group(2)
        code = match["code"]
        prefix = f"{num}/{match['year']}/" if match["year"] else f"{num}/"
        strict = VALID_NUMBER.match(prefix + code)
        if strict and strict.end() > len(prefix) and (number := normalize_number(strict[0])):
            found.append(_Token(start, start + len(strict[0]), number, strict[0], bool(glued)))
            position = start + len(strict[0])  # "NĐ-CP08/2015/…": the next number follows
            continue
        # Damaged: stop before the capital that starts the next title ("NĐ-CSửa" → "NĐ-C").
        raw = body[start : match.end()]
        if match.end() < len(body) and body[match.end()].islower():
            raw = _WORD_START.sub("", raw)
        end = start + len(raw)
        position = end
        found.append(_Token(start, end, _repair(raw), raw, bool(glued)))
    return found


def _is_cell_end(body: str, token: _Token) -> bool:
    """A code cell is glued to the title before or after it, or ends the cell; a number
    mentioned inside a title has a space or punctuation on both sides."""
    glued_before = token.glued or (token.start > 0 and body[token.start - 1].isalpha())
    return token.end >= len(body) or body[token.end].isalnum() or glued_before


def _segments(body: str, tokens: list[_Token]) -> list[tuple[str, _Token | None]]:
    """Cut the cell after each code cell and at glued words: (text, code ending it) pairs."""
    cuts: list[tuple[int, _Token | None]] = [
        (token.end, token) for token in tokens if _is_cell_end(body, token)
    ]
    inside = {i for t in tokens for i in range(t.start, t.end + 1)}
    cuts += [(m.start(), None) for m in _CAMEL.finditer(body) if m.start() not in inside]
    segments: list[tuple[str, _Token | None]] = []
    position = 0
    for cut, token in sorted(cuts, key=lambda item: item[0]):
        if cut > position:
            segments.append((body[position:cut], token))
            position = cut
    if position < len(body):
        segments.append((body[position:], None))
    return segments


def _code_text(text: str, token: _Token | None, offset: int) -> str | None:
    """The text of a segment before its code, when the segment is only a code cell."""
    before = text[: token.start - offset] if token else text
    return before if _CODE_ONLY.match(before) else None


def _title(parts: list[str]) -> str | None:
    title = clean(" ".join(parts)).strip(" ;,:-")
    title = title.removesuffix(".").strip()
    if not title:
        return None
    letters = [c for c in title if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.8:
        title = title[0] + title[1:].lower()  # "QUY ĐỊNH VỀ …" → "Quy định về …"
        title = title.replace("việt nam", "Việt Nam")
    if title.startswith("hông tư"):
        title = "T" + title  # the source lost the first letter
    first = _KIND_WORD.match(title)
    second = _KIND_WORD.match(title, first.end()) if first else None
    if first and second and first["kind"].lower() == second["kind"].lower():
        title = title[second.start() :]  # "Luật Luật Ngân hàng Nhà nước"
    return title


def _own_number(title: str | None) -> str | None:
    """The number a title opens with ("Nghị quyết số 190/2025/QH15 của …"), if valid."""
    word = _KIND_WORD.match(title or "")
    match = _CANDIDATE.match(title or "", word.end()) if word else None
    return normalize_number(match[0]) if match else None


def _date(title: str | None, number: str | None) -> dt.date | None:
    """The issuing date: the first "ngày …" after the document's own number (or before any
    other number) in its title, when its year is the number's year."""
    if not title or not number:
        return None
    mentions = [m for m in _CANDIDATE.finditer(title)]
    own = next((m for m in mentions if normalize_number(m[0]) == number), None)
    start = own.end() if own else 0
    later = [m.start() for m in mentions if m.start() >= start and m is not own]
    match = _DATE.search(title, start, min(later, default=len(title)))
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    parts = number.split("/")
    if len(parts) == 3 and parts[1] != str(year):
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _kind(number: str | None, title: str | None, code_text: str) -> str | None:
    """The type: from the number's code, or the word that names it (needed for QH numbers)."""
    named = next(
        (
            KIND_WORDS[m["kind"].lower()]
            for text in (code_text, title or "")
            if (m := _KIND_WORD.match(text))
        ),
        None,
    )
    code = number.rsplit("/", 1)[-1] if number else ""
    if code.startswith(("QH", "UBTVQH")):
        return named if named in ASSEMBLY_KINDS else kind_of(code)
    return (kind_of(number) if number else None) or named


def parse_legal_basis(text: str) -> list[LegalRef]:
    """The references of a flattened ``can_cu_phap_ly`` cell, in source order, once each."""
    body = clean(unicodedata.normalize("NFC", text).translate(CONFUSABLES)).removeprefix(HEADER)
    body = _SPACED_HYPHEN.sub("-", _SLASHED_KIND.sub("-", body))
    body = _DASHED_TITLE.sub(" – ", body)
    if not body or body.casefold() == "không có thông tin":
        return []
    tokens = _tokens(body)
    segments = _segments(body, tokens)
    refs: list[LegalRef] = []
    pending: list[str] = []
    offset = 0
    for index, (text_part, token) in enumerate(segments):
        start = offset
        offset += len(text_part)
        following = segments[index + 1] if index + 1 < len(segments) else None
        code_text = _code_text(text_part, token, start)
        broken = None if token else _BROKEN_CODE.match(text_part)
        if token is None and broken is None:
            pending.append(text_part)
            continue
        if (
            token is not None
            and code_text is None
            and following is not None
            and following[1] is not None
            and following[1].number == token.number
            and _code_text(following[0], following[1], offset) is not None
        ):
            pending.append(text_part)  # a title that names its own number; its code follows
            continue
        if token is not None and code_text is None:
            before = text_part[: token.start - start]
            kind_tail = re.search(r"(?:" + "|".join(KIND_WORDS) + r")?\s*(?:số\s*)?$", before, re.I)
            pending.append(before[: kind_tail.start()] if kind_tail else before)
            code_text = before[kind_tail.start() :] if kind_tail else ""
        title = _title(pending)
        pending = []
        number = token.number if token else _own_number(title)
        if number is None and title is None:
            continue  # a damaged code with no title: nothing trustworthy to show
        refs.append(
            LegalRef(
                number=number,
                kind=_kind(number, title, code_text or (broken[0] if broken else "")),
                date=_date(title, number),
                title=title,
            )
        )
    if pending and (title := _title(pending)):
        number = _own_number(title)
        refs.append(LegalRef(number=number, kind=_kind(number, title, ""), title=title))
    return _merge(refs)


def _merge(refs: list[LegalRef]) -> list[LegalRef]:
    """One reference per number (the first with a title wins), titles-only kept once."""
    by_key: dict[str, LegalRef] = {}
    for ref in refs:
        key = ref.number or f"title:{ref.title}"
        known = by_key.get(key)
        if known is None:
            by_key[key] = ref
        elif known.title is None and ref.title:
            by_key[key] = ref.model_copy(update={"kind": known.kind or ref.kind})
    return list(by_key.values())


def _lower_first(text: str) -> str:
    if text.lower().startswith(_LOWERCASE_OPENINGS):
        return text[0].lower() + text[1:]
    return text


def citation(ref: LegalRef) -> str:
    """The reference as a citizen reads it: "Nghị định số 96/2024/NĐ-CP ngày … về …"."""
    title = ref.title or ""
    if not ref.number:
        return title
    kind = ref.kind or "Văn bản"
    date = f" ngày {ref.date:%d/%m/%Y}" if ref.date else ""
    if ref.number in title:
        word = _KIND_WORD.match(title)
        rest = title[word.end() :] if word else re.sub(r"^số\s*", "", title, flags=re.IGNORECASE)
        if rest.startswith(ref.number):
            return f"{kind} số {rest}"
        return f"{kind} {rest}" if word else title
    word = _KIND_WORD.match(title)
    rest = title[word.end() :].strip(" :-") if word else title
    if ref.date:  # the date is said once, after the number
        rest = _EDGE_DATE.sub("", rest).strip(" ,;:-")
    is_name = bool(rest) and (word is not None or rest[0].isupper())
    if kind in ("Luật", "Bộ luật") and is_name and not rest.lower().startswith(_LOWERCASE_OPENINGS):
        return f"{kind} {rest[0].upper()}{rest[1:]} số {ref.number}{date}"
    head = f"{kind} số {ref.number}{date}"
    return f"{head} {_lower_first(rest)}" if rest else head
