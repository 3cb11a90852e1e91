"""Mending typing mistakes before a question is searched (``bot.search.spelling``)."""

from __future__ import annotations

import pytest

from bot.search.config import DiacriticsConfig, SpellingConfig
from bot.search.diacritics import DiacriticRestorer
from bot.search.lexical import LexicalIndex
from bot.search.spelling import Speller, telex_reading

TEXTS = [
    "Đăng ký tạm trú cho người thuê trọ",
    "Đăng ký khai sinh cho con",
    "Đăng ký kết hôn",
    "Tìm việc làm cho người lao động",
    "Cấp lại giấy phép kinh doanh rượu",
    "Thủ tục cấp lại giấy phép",
]
CONFIG = SpellingConfig(min_length=3, min_count=1, max_edits=1, bigram_weight=0.8)


def speller(config: SpellingConfig = CONFIG, known: frozenset[str] = frozenset()) -> Speller:
    restorer = DiacriticRestorer(TEXTS, DiacriticsConfig(candidates=8, bigram_weight=0.8))
    return Speller([LexicalIndex.build(TEXTS)], known, restorer, config)


def test_document_frequency_counts_the_rows_holding_a_token() -> None:
    index = LexicalIndex.build(["a b", "a c a", "d"])
    assert index.rows == 3
    assert [index.document_frequency(t) for t in ("a", "b", "a_c", "c_a", "zz")] == [2, 1, 1, 1, 0]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("dang kyy ket hon", "dang ky ket hon"),  # a letter doubled
        ("thu tcu cap lai", "thu tuc cap lai"),  # two letters swapped
        ("dang ky khai snh", "dang ky khai sinh"),  # a letter dropped
        ("giay phep kinh doanh ruoi", "giay phep kinh doanh ruou"),  # the key next to it
    ],
)
def test_a_mistyped_word_becomes_the_known_word_one_edit_away(typed: str, meant: str) -> None:
    assert speller().correct(typed) == meant


def test_the_neighbours_choose_between_corrections() -> None:
    # "tsm" is one edit from both "tam" and "tim": the next word decides.
    assert speller().correct("tsm tru cho nguoi thue") == "tam tru cho nguoi thue"
    assert speller().correct("tsm viec lam") == "tim viec lam"


def test_a_correction_no_neighbour_vouches_for_is_not_made() -> None:
    # "tam" and "tim" are one edit away, but no text has either next to "lao" or at an end.
    assert speller().correct("lao tsm") == "lao tsm"
    assert speller().correct("tsm") == "tsm"


def test_known_short_numeric_and_unmatched_words_stay() -> None:
    text = "Đăng ký xe ko dc, so 3a1 qua zalo?"
    assert speller().correct(text) == text


def test_every_text_it_learned_and_every_known_word_read_as_written() -> None:
    spell = speller(known=frozenset({"tsm"}))
    assert [spell.correct(text) for text in TEXTS] == TEXTS
    assert spell.correct("tsm tru") == "tsm tru"


def test_a_correction_is_typed_as_the_word_was() -> None:
    # Typed with accents: the correction gets the accents its neighbours call for, and a
    # capital when the word had one; typed without: it stays without.
    assert speller().correct("Thủ tục đăg ký kết hôn") == "Thủ tục đăng ký kết hôn"
    assert speller().correct("Đăg ký khai sinh") == "Đăng ký khai sinh"
    assert speller().correct("Dang kyy khai sinh") == "Dang ky khai sinh"


def test_words_only_one_row_holds_are_not_offered_under_a_higher_count() -> None:
    strict = speller(SpellingConfig(min_length=3, min_count=2, max_edits=1, bigram_weight=0.8))
    assert strict.correct("dang kyy ket hon") == "dang ky ket hon"  # "ký": three rows
    assert strict.correct("tsm viec lam") == "tsm viec lam"  # "tìm": one row


def test_words_shorter_than_the_minimum_are_not_corrected() -> None:
    longer = speller(SpellingConfig(min_length=4, min_count=1, max_edits=1, bigram_weight=0.8))
    assert longer.correct("tsm viec lam") == "tsm viec lam"
    assert longer.correct("dang ky khai sinhh") == "dang ky khai sinh"


def test_two_words_typed_without_a_space_are_split_where_a_row_holds_the_pair() -> None:
    assert speller().correct("dangky ket hon") == "dang ky ket hon"
    assert speller().correct("Đăngký kết hôn") == "Đăng ký kết hôn"
    assert speller().correct("thutuc caplai giay phep") == "thu tuc cap lai giay phep"
    # "ký" and "hôn" are both known, but no text has them side by side.
    assert speller().correct("kyhon") == "kyhon"


@pytest.mark.parametrize(
    ("keys", "folded"),
    [("ddawngs", "dang"), ("thur", "thu"), ("nhwng", "nhung"), ("nguowif", "nguoi"), ("xe", "xe")],
)
def test_telex_keys_read_as_the_word_they_type(keys: str, folded: str) -> None:
    assert telex_reading(keys) == folded


def test_a_question_typed_in_telex_with_the_input_off_is_read_word_by_word() -> None:
    # Each word vouches for the one before it, from the known "kinh" back to "cấp".
    assert (
        speller().correct("caaps laij giaays pheps kinh doanh ruwowuj")
        == "cap lai giay phep kinh doanh ruou"
    )
