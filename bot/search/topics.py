"""Topic detection: which part of a procedure a question asks about (fee, time, documents…).

Rules are accent-insensitive regular expressions over folded text, covering chat wording
("bao nhiêu tiền", "mất mấy ngày", "cần giấy tờ gì") and the formal wording of public Q&A pages
("thành phần hồ sơ", "thẩm quyền", "trình tự thực hiện", "căn cứ pháp lý"). When several rules match,
the one starting last wins (questions end with what they ask), the longer one on a tie.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.knowledge.schema import Topic
from bot.textfold import fold_aligned

_RULES: dict[Topic, tuple[str, ...]] = {
    "le_phi": (
        r"le phi",
        r"(?<!nong nghiep )(?<!tai chinh )phi(?! nong)(?! chinh phu)(?! loi nhuan)(?! ly)",
        r"bao nhieu tien",
        r"(mat|ton|het|tra|nop) (bao nhieu )?tien",
        r"tien (phi|le phi)",
        r"chi phi",
        r"mien phi",
        r"het bao nhieu",
        r"mat bao nhieu(?! (ngay|thang|tuan|lau|thoi gian))",
        r"khoan (tien|phi|thue)",
        r"(nop|dong|tra) (nhung |cac )?(khoan )?(tien|thue) gi",
    ),
    "thoi_han": (
        r"((mat|het|ton) )?bao lau",
        r"((mat|het|ton) )?(may|bao nhieu) (ngay|tuan|thang)",
        r"thoi (han|gian) (giai quyet|thuc hien|xu ly|tra ket qua|lam)",
        r"thoi han(?! (cua|su dung))",
        r"bao gio (thi )?(xong|co|nhan|duoc)",
        r"khi nao (thi )?(xong|co|nhan|duoc)",
        r"(lau|nhanh) (khong|ko)",
        r"mat thoi gian",
    ),
    "ho_so": (
        r"giay to( gi| nao| can thiet)?",
        r"thanh phan ho so",
        r"(ho so|tai lieu) (gom|bao gom|can|phai co)",
        r"(can|chuan bi|mang|nop|xuat trinh) (nhung |cac )?(gi|giay|ho so|tai lieu)",
        r"can (co )?(nhung )?gi",
        r"(gom|bao gom|co) (nhung |cac )?(gi|giay to (gi|nao)|nhung gi)",
        r"tai lieu",
        r"so luong (bo )?ho so",
        r"mau don",
        r"to khai",
        r"^(thanh phan )?ho so",
        r"ho so (gi|nao|the nao|ra sao|thuc hien)",
    ),
    "noi_nop": (
        r"o dau",
        r"tai dau",
        r"noi (nop|tiep nhan|lam|giai quyet)",
        r"(co quan|don vi|cap) nao",
        r"tham quyen",
        r"cho ai",
        r"(ai|noi nao) (giai quyet|cap|tiep nhan|xu ly)",
        r"den dau",
        r"dia chi",
        r"(o|tai) \w+( \w+){0,5} hay (o|tai)",
    ),
    "trinh_tu": (
        r"trinh tu",
        r"cac buoc",
        r"quy trinh",
        r"cach thuc thuc hien",
    ),
    "dieu_kien": (
        r"(?<!du )(?<!du cac )dieu kien",
        r"doi tuong",
        r"truong hop nao",
        r"(ai|nhung ai) (duoc|thi duoc|co the)",
        r"co (duoc|du dieu kien) .{0,60}(khong|hay khong)",
        r"co duoc (huong|cap|nhan|mien|giam|ho tro|xet)",
        r"co (the )?\w+ .{0,40}duoc (khong|ko|hay khong)",
        r"can (co )?(nhung )?dieu( gi)?$",
        r"yeu cau",
    ),
    "ket_qua": (
        r"thoi han (cua|su dung)",
        r"(giay phep|chung chi|the|giay chung nhan) co (thoi han|hieu luc)",
        r"hieu luc",
        r"ket qua (giai quyet|thuc hien|la gi|nhan duoc|cua thu tuc)",
        r"(duoc|nhan duoc) (cap )?(nhung )?(gi|giay gi)",
    ),
    "can_cu": (
        r"can cu( phap ly)?",
        r"van ban (phap ly|nao|quy pham)",
        r"(quy dinh|theo) (tai|o)? ?(luat|nghi dinh|thong tu|van ban) nao",
        r"co so phap ly",
    ),
    "truc_tuyen": (
        r"truc tuyen",
        r"online",
        r"qua mang",
        r"tren mang",
        r"dich vu cong",
        r"qua (dien thoai|app|ung dung|internet)",
        r"(nop|gui|qua|nhan)( ho so| ket qua)?( qua)?( duong)? buu (dien|chinh)",
    ),
}

# Rules whose span holds words of the procedure itself: they name the topic but are not stripped.
_KEEP = {
    r"co (duoc|du dieu kien) .{0,60}(khong|hay khong)",
    r"co duoc (huong|cap|nhan|mien|giam|ho tro|xet)",
    r"co (the )?\w+ .{0,40}duoc (khong|ko|hay khong)",
    r"(o|tai) \w+( \w+){0,5} hay (o|tai)",
}
# Rules that win wherever they stand: "thời hạn của giấy phép … bao lâu" asks about the result.
_STRONG = {
    r"thoi han (cua|su dung)",
    r"(giay phep|chung chi|the|giay chung nhan) co (thoi han|hieu luc)",
}

_WORD = re.compile(r"[0-9a-z]+")
_COMPILED = [
    (topic, re.compile(r"(?<![0-9a-z])" + rule + r"(?![0-9a-z])"), rule in _KEEP, rule in _STRONG)
    for topic, rules in _RULES.items()
    for rule in rules
]


@dataclass(frozen=True)
class TopicMatch:
    """The detected topic and the character spans of the words that gave it away."""

    topic: Topic
    spans: tuple[tuple[int, int], ...] = field(default_factory=tuple)


def detect_topic(text: str) -> TopicMatch | None:
    """Detect the topic asked about in ``text`` (raw or rewritten), or ``None`` for an overview."""
    squeezed, starts, ends = _words(text)
    found: list[tuple[bool, int, int, Topic, bool]] = []
    for topic, pattern, keep, strong in _COMPILED:
        for match in pattern.finditer(squeezed):
            start, end = starts[match.start()], ends[match.end() - 1]
            found.append((strong, start, end - start, topic, keep))
    if not found:
        return None
    winner = max(found, key=lambda item: item[:3])[3]
    spans = tuple(
        sorted(
            (start, start + length)
            for _, start, length, topic, keep in found
            if topic == winner and not keep
        )
    )
    return TopicMatch(winner, spans)


def _words(text: str) -> tuple[str, list[int], list[int]]:
    """Folded words joined by single spaces, with each character's start/end offset in ``text``."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for word in _WORD.finditer(fold_aligned(text)):
        if chars:
            chars.append(" ")
            starts.append(word.start())
            ends.append(word.start())
        for offset, ch in enumerate(word.group(), start=word.start()):
            chars.append(ch)
            starts.append(offset)
            ends.append(offset + 1)
    return "".join(chars), starts, ends


def _cut(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` without the character ``spans`` (sorted, possibly overlapping), spaces tidied."""
    pieces, last = [], 0
    for start, end in spans:
        if start >= last:
            pieces.append(text[last:start])
        last = max(last, end)
    pieces.append(text[last:])
    return " ".join(" ".join(pieces).split())


def strip_span(text: str, match: TopicMatch | None) -> str:
    """``text`` without the words that named the topic."""
    if match is None:
        return text
    return _cut(text, match.spans)


def strip_topics(text: str) -> str:
    """``text`` without the words of every topic it names ("cần giấy tờ gì, lệ phí bao nhiêu")."""
    for _ in _RULES:  # each topic at most once
        match = detect_topic(text)
        stripped = strip_span(text, match)
        if match is None or stripped == text:
            return stripped
        text = stripped
    return text


@dataclass(frozen=True)
class NameRuns:
    """Every run of at least ``shortest`` consecutive words of a procedure's name, accent-folded:
    built once per name, read by :func:`strip_name` for every question."""

    runs: frozenset[tuple[str, ...]]
    shortest: int
    longest: int

    @classmethod
    def of(cls, name: str, min_words: int) -> NameRuns:
        """The runs of ``name`` of at least ``min_words`` words."""
        named = _WORD.findall(fold_aligned(name))
        runs = frozenset(
            tuple(named[i : i + k])
            for k in range(min_words, len(named) + 1)
            for i in range(len(named) - k + 1)
        )
        return cls(runs=runs, shortest=min_words, longest=len(named))


def strip_name(text: str, name: NameRuns) -> str:
    """``text`` without the runs of words it shares, in order, with a procedure's ``name``
    (accent-insensitive): what is left is what the question asks beyond naming the procedure
    ("Thời gian thực hiện thủ tục <tên thủ tục>" → "Thời gian thực hiện thủ tục").
    """
    words = list(_WORD.finditer(fold_aligned(text)))
    tokens = [word.group() for word in words]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        length = next(
            (
                k
                for k in range(min(name.longest, len(tokens) - i), name.shortest - 1, -1)
                if tuple(tokens[i : i + k]) in name.runs
            ),
            0,
        )
        spans.extend((word.start(), word.end()) for word in words[i : i + length])
        i += max(length, 1)
    return _cut(text, spans) if spans else text
