"""Masking personal data."""

from __future__ import annotations

import pytest

from bot.portal.privacy import end_user_key, mask_digits, mask_name


@pytest.mark.parametrize(
    ("full", "masked"),
    [
        ("Nguyễn Văn An", "Nguyễn V** A**"),
        ("Hoàng Thị Thu Hương", "Hoàng T** T** H**"),
        ("  Nông   Đức  ", "Nông Đ**"),
        ("Lương", "Lương"),
        ("", ""),
    ],
)
def test_mask_name_keeps_family_name_and_initials(full: str, masked: str) -> None:
    assert mask_name(full) == masked


def test_mask_digits_keeps_only_the_tail() -> None:
    assert mask_digits("0912345678") == "*******678"
    assert mask_digits("020123456789", visible=4) == "********6789"
    assert mask_digits("12", visible=3) == "12"


def test_end_user_key_is_a_stable_pseudonym() -> None:
    key = end_user_key("zalo:84912345678")
    assert key == end_user_key("zalo:84912345678")
    assert key != end_user_key("zalo:84912345679")
    assert "84912345678" not in key
    assert len(key) == 32
