from __future__ import annotations

from bot.console.grouping import group_questions


def test_questions_sharing_most_folded_words_are_grouped() -> None:
    groups = group_questions(
        [
            ("Đăng ký xe máy ở đâu", None),
            ("dang ky xe may o dau a", "x:noi_nop"),
            ("cấp lại bằng lái", None),
            ("Đăng ký xe máy ở đâu?", None),
        ],
        threshold=0.5,
    )
    assert [g.size for g in groups] == [3, 1]
    assert groups[0].entries == {"x:noi_nop"}
    assert groups[1].texts == ["cấp lại bằng lái"]
