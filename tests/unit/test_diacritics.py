"""Restoring the diacritics of a question typed without them (``bot.search.diacritics``)."""

from __future__ import annotations

import pytest

from bot.search.config import DiacriticsConfig
from bot.search.diacritics import DiacriticRestorer

CONFIG = DiacriticsConfig(candidates=8, bigram_weight=0.8)
TEXTS = [
    "Cấp lại giấy phép lái xe bị mất",
    "Đổi giấy phép lái xe quá hạn",
    "Cấp lại thẻ căn cước",
    "Cấp lại giấy chứng nhận đăng ký xe",
    "Lãi suất vay mua nhà là bao nhiêu",
    "Đăng ký kết hôn",
    # Typed without diacritics: never teaches the model a spelling.
    "cap lai giay phep lai xe",
    "lai xe",
]


@pytest.fixture(scope="module")
def restorer() -> DiacriticRestorer:
    return DiacriticRestorer(TEXTS, CONFIG)


def test_each_word_gets_the_spelling_its_neighbours_call_for(restorer: DiacriticRestorer) -> None:
    # "lai" is "lại" after "cấp", "lái" before "xe", "lãi" before "suất".
    assert restorer.restore("cap lai giay phep lai xe") == "cấp lại giấy phép lái xe"
    assert restorer.restore("lai suat vay mua nha") == "lãi suất vay mua nhà"


def test_texts_typed_without_diacritics_teach_nothing() -> None:
    bare = DiacriticRestorer(["cap lai giay phep lai xe", "dang ky ket hon"], CONFIG)
    assert bare.restore("dang ky ket hon") == "dang ky ket hon"


def test_marked_and_unknown_words_digits_and_punctuation_stay(
    restorer: DiacriticRestorer,
) -> None:
    assert restorer.restore("Cap LẠI the, 2024 xyzq?") == "cấp lại thẻ, 2024 xyzq?"
    assert restorer.restore("?!") == "?!"


def test_only_the_most_frequent_spellings_are_considered() -> None:
    texts = ["lái xe", "lái xe", "lái tàu", "lại", "lại", "lại", "lại", "lãi"]
    one = DiacriticRestorer(texts, DiacriticsConfig(candidates=1, bigram_weight=0.8))
    # With one spelling allowed, context cannot pick "lái": the most frequent word wins.
    assert one.restore("lai xe") == "lại xe"
    assert DiacriticRestorer(texts, CONFIG).restore("lai xe") == "lái xe"
