"""Restrictive qualifiers: the words that make a procedure a specialised sibling of a plain one.

Many procedures exist in a plain form and in forms restricted to a narrower case: "trường trung
học phổ thông" / "… chuyên", "đăng ký nhận cha, mẹ, con" / "… có yếu tố nước ngoài", "đổi giấy
phép lái xe" / "… quân sự". A question that does not say the qualifier asks about the common case.

Qualifiers are listed in ``knowledge_base/search.yml``. Names carry diacritics and are matched as
written ("chuyên" is not "chuyển"); questions are matched without diacritics, so a question that
might say the qualifier never loses its specialised candidate.
"""

from __future__ import annotations

import re
import unicodedata

from bot.search.normalize import fold


def _lower(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


def _whole(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.UNICODE)


class Qualifiers:
    """Finds the restrictive qualifiers of a name and tells which ones a question leaves out."""

    def __init__(self, phrases: list[str], by_field: dict[str, list[str]] | None = None) -> None:
        every = list(dict.fromkeys([*phrases, *(p for f in (by_field or {}).values() for p in f)]))
        self._accented = [_whole(_lower(p)) for p in every]
        self._folded = [_whole(fold(p)) for p in every]
        self._by_field = {
            field: frozenset(every.index(p) for p in field_phrases)
            for field, field_phrases in (by_field or {}).items()
        }

    def of_name(self, name: str, field: str | None = None) -> frozenset[int]:
        """Indexes of the qualifiers a procedure name uses (matched with diacritics), plus those
        of its field when the field serves one group only."""
        lowered = _lower(name)
        named = frozenset(i for i, p in enumerate(self._accented) if p.search(lowered))
        return named | self._by_field.get(field or "", frozenset())

    def said(self, *texts: str) -> frozenset[int]:
        """Indexes of the qualifiers any of ``texts`` may say (matched without diacritics)."""
        folded = [fold(t) for t in texts]
        return frozenset(i for i, p in enumerate(self._folded) if any(p.search(t) for t in folded))


def unsaid_qualifier(name_qualifiers: frozenset[int], said: frozenset[int]) -> float:
    """1.0 when the name carries qualifiers and the question says none of them, else 0.0.

    One said qualifier is enough: "quân đội" says "quân sự" for a name that also says "Bộ Quốc phòng".
    """
    return 1.0 if name_qualifiers and not name_qualifiers & said else 0.0
