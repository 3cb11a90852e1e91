"""Negated spans: what a question says it does not mean is read apart from what it asks."""

from pathlib import Path

import pytest

from bot.search.config import NegationConfig, load_search_config
from bot.search.negation import Negations

NEGATIONS = Negations(
    load_search_config(Path(__file__).resolve().parents[2] / "knowledge_base").negation
)


@pytest.mark.parametrize(
    ("question", "kept", "negated"),
    [
        # A comma ends the span; the question goes on after it.
        (
            "xin cấp lần đầu chứ không phải cấp lại, thì cần giấy tờ gì",
            "xin cấp lần đầu , thì cần giấy tờ gì",
            "cấp lại",
        ),
        # Typed without diacritics, with the chat shorthand "ko".
        ("giay phep in (ko phai in xbp) bi mat", "giay phep in () bi mat", "in xbp"),
        # A boundary word ("giờ") ends it where the message has no punctuation.
        (
            "ko phai mua ban hay thua ke gio dang ky sang ten thi can gi",
            "gio dang ky sang ten thi can gi",
            "mua ban hay thua ke",
        ),
        # Two spans in one question.
        (
            "biên lai điện tử (không phải hóa đơn, không phải tem) thì khai mẫu nào",
            "biên lai điện tử (, ) thì khai mẫu nào",
            "hóa đơn tem",
        ),
    ],
)
def test_the_words_a_marker_governs_are_set_apart(question: str, kept: str, negated: str) -> None:
    split = NEGATIONS.split(question)
    assert split.kept == kept
    assert split.negated == negated


@pytest.mark.parametrize(
    "question",
    [
        "làm lại căn cước bị mất thì cần gì",  # no marker
        "có phải nộp lệ phí không",  # "phải … không" is not "không phải"
        "không phải",  # a marker governing nothing
        "cấp lại giấy phép, không phải?",
    ],
)
def test_a_question_negating_nothing_is_kept_whole(question: str) -> None:
    split = NEGATIONS.split(question)
    assert split.negated == ""
    assert split.kept == question


def test_a_span_is_at_most_max_words_long() -> None:
    negations = Negations(NegationConfig(markers=["không phải"], boundaries=[], max_words=2))
    split = negations.split("không phải cấp lại giấy phép lái xe")
    assert split.negated == "cấp lại"
    assert split.kept == "giấy phép lái xe"
