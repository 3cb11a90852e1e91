"""Words that carry no search signal in citizens' questions: greetings, "tôi muốn hỏi", "ạ"…"""

from __future__ import annotations

import re

from bot.search.normalize import fold, is_accentless, same_word
from bot.search.rewrite import phrase_pattern
from bot.textfold import fold_aligned


class Fillers:
    """The filler phrases of ``search.yml`` (``fillers``) and how they are taken out of a question."""

    def __init__(self, phrases: list[str]) -> None:
        self._pattern = re.compile(
            "|".join(phrase_pattern(p) for p in sorted(phrases, key=len, reverse=True))
        )
        self._by_folded: dict[str, list[str]] = {}
        for phrase in phrases:
            self._by_folded.setdefault(fold(phrase), []).append(phrase)

    def remove(self, text: str, accentless: bool | None = None) -> str:
        """``text`` without filler words; the original when nothing else would remain.

        A filler is removed only where it is written as the filler: "bán" (sell) and "cơ sở" stay,
        "bạn" and "có" go; without diacritics, "ban" and "co" go. ``accentless`` tells how the
        citizen typed (default: judged from ``text``; pass it when ``text`` has been rewritten).
        """
        folded = fold_aligned(text)
        if accentless is None:
            accentless = is_accentless(text)
        pieces, last = [], 0
        for match in self._pattern.finditer(folded):
            written = text[match.start() : match.end()]
            fillers = self._by_folded[" ".join(match.group().split())]
            if not any(same_word(written, filler, accentless) for filler in fillers):
                continue
            pieces.append(text[last : match.start()])
            last = match.end()
        pieces.append(text[last:])
        stripped = " ".join("".join(pieces).split())
        return stripped if any(ch.isalnum() for ch in stripped) else text
