"""Masking and pseudonymising personal data."""

from __future__ import annotations

from bot.portal_service.masking import mask_digits
from bot.privacy import pseudonym


def test_mask_digits_keeps_only_the_tail() -> None:
    assert mask_digits("0912345678") == "*******678"
    assert mask_digits("020123456789", visible=4) == "********6789"
    assert mask_digits("12", visible=3) == "12"


def test_pseudonym_is_stable_keyed_and_hides_the_value() -> None:
    key = pseudonym("zalo:84912345678", "k1")
    assert key == pseudonym("zalo:84912345678", "k1")
    assert key != pseudonym("zalo:84912345679", "k1")
    assert key != pseudonym("zalo:84912345678", "k2")
    assert "84912345678" not in key and key.isalnum()
