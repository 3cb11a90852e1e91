"""Words that carry no search signal in citizens' questions: greetings, "tôi muốn hỏi", "ạ"…"""

from __future__ import annotations

import re

from bot.search.normalize import fold, is_accentless, same_word
from bot.search.rewrite import phrase_pattern
from bot.textfold import fold_aligned

FILLERS: tuple[str, ...] = (
    "xin chào",
    "chào anh",
    "chào chị",
    "chào bạn",
    "chào ad",
    "cảm ơn",
    "xin cảm ơn",
    "tôi muốn hỏi",
    "em muốn hỏi",
    "mình muốn hỏi",
    "cho tôi hỏi",
    "cho em hỏi",
    "cho mình hỏi",
    "cho cháu hỏi",
    "cho hỏi",
    "xin hỏi",
    "xin được hỏi",
    "hỏi về",
    "tôi muốn biết",
    "muốn biết",
    "xin cho biết",
    "cho biết",
    "đề nghị cho biết",
    "đề nghị hướng dẫn",
    "xin hướng dẫn",
    "hướng dẫn giúp",
    "hướng dẫn",
    "đề nghị",
    "vui lòng",
    "làm ơn",
    "giúp tôi",
    "giúp em",
    "ạ",
    "ạk",
    "nhé",
    "nha",
    "ơi",
    "vậy",
    "với",
    "thì",
    "là",
    "như thế nào",
    "thế nào",
    "ra sao",
    "làm sao",
    "phải làm gì",
    "làm gì",
    "thủ tục gì",
    "những gì",
    "gì",
    "có thể",
    "được không",
    "hay không",
    "không",
    "có",
    "tôi",
    "em",
    "mình",
    "cháu",
    "chúng tôi",
    "gia đình tôi",
    "nhà tôi",
    "quý cơ quan",
    "ban biên tập",
    "luật sư",
    "anh chị",
    "ad",
    "admin",
    "bạn",
    # the province: every procedure here is Lạng Sơn's, so its name tells none apart
    "tỉnh lạng sơn",
    "thành phố lạng sơn",
    "lạng sơn",
)

_PATTERN = re.compile("|".join(phrase_pattern(p) for p in sorted(FILLERS, key=len, reverse=True)))
_BY_FOLDED: dict[str, list[str]] = {}
for _filler in FILLERS:
    _BY_FOLDED.setdefault(fold(_filler), []).append(_filler)


def strip_noise(text: str, accentless: bool | None = None) -> str:
    """``text`` without filler words; the original when nothing else would remain.

    A filler is removed only where it is written as the filler: "bán" (sell) and "cơ sở" stay,
    "bạn" and "có" go; without diacritics, "ban" and "co" go. ``accentless`` tells how the
    citizen typed (default: judged from ``text``; pass it when ``text`` has been rewritten).
    """
    folded = fold_aligned(text)
    if accentless is None:
        accentless = is_accentless(text)
    pieces, last = [], 0
    for match in _PATTERN.finditer(folded):
        written = text[match.start() : match.end()]
        fillers = _BY_FOLDED[" ".join(match.group().split())]
        if not any(same_word(written, filler, accentless) for filler in fillers):
            continue
        pieces.append(text[last : match.start()])
        last = match.end()
    pieces.append(text[last:])
    stripped = " ".join("".join(pieces).split())
    return stripped if any(ch.isalnum() for ch in stripped) else text
