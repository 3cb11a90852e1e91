"""Sibling variants: the action a procedure name performs (cấp lại, gia hạn…) and the one asked for.

Many procedures come in families that differ by one action word: "Cấp mới / Cấp lại / Cấp đổi /
Gia hạn / Điều chỉnh / Thu hồi … giấy phép X". Their names share every other word, so lexical and
dense scores barely separate them. A name whose action the question never suggests (a reissue
when nothing was lost, an extension when nothing expires) is a worse guess than its plain sibling.

Names always carry diacritics and are matched as written ("đổi" is not "đối với"). Questions are
matched the same way when they carry diacritics, and by their accent-free spelling otherwise.
"""

from __future__ import annotations

import re
import unicodedata

from bot.search.normalize import fold


class _Action:
    def __init__(self, name: str, accented: str, plain: str) -> None:
        self.name = _compile(name)
        self.accented = _compile(accented)
        self.plain = _compile(plain)


def _folded(alternatives: str) -> str:
    """An alternation of Vietnamese words, each folded ("làm|xin" → "lam|xin")."""
    return "|".join(fold(word) for word in alternatives.split("|"))


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.UNICODE)


# "Lost" and "again" only where they are about a paper: "mất bao lâu" (takes), "bố tôi đã mất"
# (died), "truyền lại" / "để lại" (handed down) do not ask for a reissue.
_REDO = "làm|xin|cấp|in|đăng ký|đăng kí|nhận|khai|đổi|cấp phát"
_PAPERS = (
    "giấy|thẻ|sổ|bằng|hộ chiếu|căn cước|cccd|cmnd|chứng minh|chứng chỉ|bản|hồ sơ|cà vẹt|biển"
    "|đăng ký|gplx|bhyt|phiếu|quyết định|văn bằng|con dấu"
)

_ACTIONS: dict[str, _Action] = {
    "cap_lai": _Action(
        name=r"cấp lại|đăng ký lại",
        accented=rf"(?:{_REDO}) lại|(?:bị|làm|đánh|lỡ) mất|mất (?:{_PAPERS})|thất lạc"
        r"|hỏng|hư|rách|nát|cháy|ướt|mờ",
        plain=rf"(?:{_folded(_REDO)}) lai|(?:bi|lam|danh|lo) mat|mat (?:{_folded(_PAPERS)})"
        r"|that lac|hong|hu|rach|nat|chay|uot",
    ),
    "cap_doi": _Action(
        name=r"cấp đổi|(?<!thay )đổi",
        accented=r"(?<!thay )đổi|hết hạn",
        plain=r"(?<!thay )doi(?! (voi|tuong|chieu))|het han",
    ),
    "gia_han": _Action(
        name=r"gia hạn",
        accented=r"gia hạn|hết hạn|kéo dài",
        plain=r"gia han|het han|keo dai",
    ),
    "dieu_chinh": _Action(
        name=r"điều chỉnh|sửa đổi|thay đổi|bổ sung",
        accented=r"điều chỉnh|sửa|đổi|bổ sung",
        plain=r"dieu chinh|sua|(?<!thay )doi(?! (voi|tuong|chieu))|bo sung",
    ),
    "thu_hoi": _Action(
        name=r"thu hồi|trả lại",
        accented=r"thu hồi|trả lại|nộp lại",
        plain=r"thu hoi|tra lai|nop lai",
    ),
    "cap_moi": _Action(
        name=r"cấp mới|lần đầu",
        accented=r"lần đầu|cấp mới|làm mới|chưa có|chưa từng",
        plain=r"lan dau|cap moi|lam moi|chua co|chua tung",
    ),
}


def _lower(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


def name_actions(name: str) -> frozenset[str]:
    """Actions a procedure name performs ("Cấp lại giấy phép …" → {"cap_lai"})."""
    text = _lower(name)
    return frozenset(key for key, action in _ACTIONS.items() if action.name.search(text))


def asked_actions(question: str) -> frozenset[str]:
    """Actions a question suggests ("bị mất, xin làm lại" → {"cap_lai"})."""
    text = _lower(question)
    if not text.isascii():
        return frozenset(key for key, action in _ACTIONS.items() if action.accented.search(text))
    return frozenset(key for key, action in _ACTIONS.items() if action.plain.search(fold(text)))


def unasked(name: frozenset[str], asked: frozenset[str]) -> float:
    """1.0 when a name's actions are not what the question suggests, else 0.0.

    "Cấp mới" is the plain case: a silent question holds it against no name, but a question that
    suggests an action (reissue, extension, first issue…) prefers the sibling performing it.
    """
    specific = name - {"cap_moi"}
    if asked and name and not asked & name:
        return 1.0
    return 1.0 if specific and not specific & asked else 0.0
