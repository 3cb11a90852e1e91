"""Rendering for Zalo and Messenger: long answers cut at boundaries, choices that fit or not."""

from __future__ import annotations

from bot.channels import messenger, zalo
from bot.channels.models import Button, Reply
from bot.channels.text import chosen_payload, split_text


def test_a_long_text_is_cut_at_sentence_ends_in_order() -> None:
    sentences = [f"Câu {n} có nội dung đủ dài để cắt." for n in range(200)]
    text = " ".join(sentences)
    pieces = split_text(text, 500)
    assert all(len(piece) <= 500 for piece in pieces)
    assert all(piece.endswith("để cắt.") for piece in pieces)
    assert " ".join(pieces) == text


def test_lines_are_preferred_and_a_word_longer_than_the_limit_is_cut() -> None:
    assert split_text("dòng một\ndòng hai", 12) == ["dòng một", "dòng hai"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert split_text("  ", 10) == []


def test_a_number_picks_the_choice_offered_last() -> None:
    choices = ["/a", "/b", "/c"]
    assert chosen_payload("2", choices) == "/b"
    assert chosen_payload(" 3. ", choices) == "/c"
    assert chosen_payload("4", choices) is None
    assert chosen_payload("0", choices) is None
    assert chosen_payload("2", []) is None
    assert chosen_payload("2 giấy tờ", choices) is None


def test_messenger_titles_over_20_characters_become_a_numbered_list() -> None:
    long = Button(title="Đăng ký khai sinh có yếu tố nước ngoài", payload="/long")
    rendering = messenger.render([Reply(text="Dạ, anh/chị chọn:", buttons=[long])], "p1")
    assert rendering.choices == ["/long"]
    assert rendering.bodies[-1]["message"]["text"].startswith("1. Đăng ký khai sinh")
    assert all("quick_replies" not in body["message"] for body in rendering.bodies)


def test_the_source_link_is_shown_as_text_on_platforms() -> None:
    reply = Reply(text="Dạ, lệ phí 8.000 đồng.", link="https://dvc.example.vn/tt/1")
    [body] = zalo.render([reply], "z1").bodies
    assert body["message"]["text"] == "Dạ, lệ phí 8.000 đồng.\nNguồn: https://dvc.example.vn/tt/1"


def test_more_than_five_zalo_buttons_become_a_numbered_list() -> None:
    buttons = [Button(title=f"Mục {n}", payload=f"/p{n}") for n in range(6)]
    rendering = zalo.render([Reply(text="Dạ", buttons=buttons)], "z1")
    assert rendering.choices == [f"/p{n}" for n in range(6)]
    assert "6. Mục 5" in rendering.bodies[-1]["message"]["text"]
