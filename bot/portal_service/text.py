"""The portal's search key for procedure names: lower case, no diacritics, 'đ' as 'd'."""

from __future__ import annotations

from bot.textfold import strip_marks


def search_key(text: str) -> str:
    """'Đăng ký khai sinh' → 'dang ky khai sinh', so citizens may type without diacritics.

    Punctuation is kept (unlike the assistant's ``fold``): stored names and queries agree.
    """
    return " ".join(strip_marks(text).split())
