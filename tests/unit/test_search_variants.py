"""Sibling variants: which action a procedure name performs and which one a question suggests."""

from __future__ import annotations

import pytest

from bot.search.variants import asked_actions, name_actions, unasked


@pytest.mark.parametrize(
    ("name", "actions"),
    [
        ("Cấp lại giấy phép khai thác khoáng sản", {"cap_lai"}),
        ("Đổi, cấp lại Giấy xác nhận khuyết tật", {"cap_doi", "cap_lai"}),
        ("Gia hạn giấy phép khai thác khoáng sản", {"gia_han"}),
        ("Cấp mới chứng chỉ năng lực hoạt động xây dựng", {"cap_moi"}),
        ("Thu hồi giấy phép lái xe", {"thu_hoi"}),
        ("Đăng ký khai sinh", set()),
        ("Cấp giấy phép đối với trường hợp cơ sở sản xuất", set()),
    ],
)
def test_name_actions(name: str, actions: set[str]) -> None:
    assert name_actions(name) == actions


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("thẻ bảo hiểm y tế bị rách, xin làm lại", "cap_lai"),
        ("giay phep bi mat thi xin lai o dau", "cap_lai"),
        ("chứng chỉ sắp hết hạn muốn gia hạn", "gia_han"),
        ("cấp chứng chỉ lần đầu cần gì", "cap_moi"),
        ("doi bang lai xe o dau", "cap_doi"),
    ],
)
def test_asked_actions(question: str, expected: str) -> None:
    assert expected in asked_actions(question)


@pytest.mark.parametrize(
    "question",
    [
        "làm sổ đỏ mất bao lâu",
        "doi cccd mat bao nhieu tien",
        "Bố tôi đã mất tháng trước, gia đình xin trợ cấp mai táng",
        "bài thuốc nam gia đình truyền lại qua ba đời",
        "bố mẹ để lại mảnh đất cho ba anh em",
    ],
)
def test_time_death_and_inheritance_do_not_ask_for_a_reissue(question: str) -> None:
    assert "cap_lai" not in asked_actions(question)


@pytest.mark.parametrize(
    "question",
    ["lỡ làm mất sổ hộ khẩu", "mat the bhyt", "mất giấy phép kinh doanh", "xin lại bằng lái"],
)
def test_a_lost_or_redone_paper_asks_for_a_reissue(question: str) -> None:
    assert "cap_lai" in asked_actions(question)


@pytest.mark.parametrize(
    "question",
    [
        "đối tượng nào được cấp giấy phép",
        "doi tuong nao duoc cap giay phep",
        "thi bang lai xe may can gi",
        "đăng ký khai sinh cho con",
    ],
)
def test_words_that_only_look_like_an_action_suggest_none(question: str) -> None:
    assert asked_actions(question) == frozenset()


def test_a_silent_question_holds_only_specific_actions_against_a_name() -> None:
    silent = asked_actions("cấp giấy phép kinh doanh karaoke")
    assert unasked(name_actions("Cấp lại giấy phép kinh doanh karaoke"), silent) == 1.0
    assert unasked(name_actions("Cấp mới giấy phép kinh doanh karaoke"), silent) == 0.0
    assert unasked(name_actions("Cấp giấy phép kinh doanh karaoke"), silent) == 0.0


def test_a_question_asking_an_action_prefers_the_sibling_performing_it() -> None:
    first = asked_actions("cấp chứng chỉ năng lực lần đầu")
    assert unasked(name_actions("Cấp mới chứng chỉ năng lực"), first) == 0.0
    assert unasked(name_actions("Cấp lại chứng chỉ năng lực"), first) == 1.0
    lost = asked_actions("bị mất chứng chỉ năng lực")
    assert unasked(name_actions("Cấp lại chứng chỉ năng lực"), lost) == 0.0
    assert unasked(name_actions("Cấp mới chứng chỉ năng lực"), lost) == 1.0
