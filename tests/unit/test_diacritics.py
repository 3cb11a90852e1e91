"""Restoring the diacritics of a question typed without them (``bot.search.diacritics``)."""

from __future__ import annotations

import pytest

from bot.search.config import DiacriticsConfig
from bot.search.diacritics import DiacriticRestorer

CONFIG = DiacriticsConfig(candidates=8, bigram_weight=0.8)
TEXTS = [
    "Cấp lại giấy phép lái tàu cá bị hỏng",
    "Học lái tàu cá ở đâu",
    "Cấp lại thẻ hội viên",
    "Xin cấp lại bản sao",
    "Lãi suất vay mua nhà là bao nhiêu",
    "Đăng ký nuôi con nuôi",
    # Typed without diacritics: never teaches the model a spelling.
    "cap lai giay phep lai tau ca",
    "lai tau",
]


@pytest.fixture(scope="module")
def restorer() -> DiacriticRestorer:
    return DiacriticRestorer(TEXTS, CONFIG)


def test_each_word_gets_the_spelling_its_neighbours_call_for(restorer: DiacriticRestorer) -> None:
    # "lai" is "lại" after "cấp", "lái" before "tàu", "lãi" before "suất".
    assert (
        restorer.restore("xin cap lai giay phep lai tau ca") == "xin cấp lại giấy phép lái tàu cá"
    )
    assert restorer.restore("lai suat vay mua nha") == "lãi suất vay mua nhà"


def test_texts_typed_without_diacritics_teach_nothing() -> None:
    bare = DiacriticRestorer(["cap lai giay phep lai tau ca", "dang ky nuoi con nuoi"], CONFIG)
    assert bare.restore("dang ky nuoi con nuoi") == "dang ky nuoi con nuoi"


def test_marked_and_unknown_words_digits_and_punctuation_stay(
    restorer: DiacriticRestorer,
) -> None:
    assert restorer.restore("Cap LẠI the, 2024 xyzq?") == "cấp lại thẻ, 2024 xyzq?"
    assert restorer.restore("?!") == "?!"


def test_only_the_most_frequent_spellings_are_considered() -> None:
    texts = ["lái tàu", "lái tàu", "lái máy", "lại", "lại", "lại", "lại", "lãi"]
    one = DiacriticRestorer(texts, DiacriticsConfig(candidates=1, bigram_weight=0.8))
    # With one spelling allowed, context cannot pick "lái": the most frequent word wins.
    assert one.restore("lai tau") == "lại tàu"
    assert DiacriticRestorer(texts, CONFIG).restore("lai tau") == "lái tàu"
