"""Text folding for search: lower case, no diacritics, 'đ' as 'd'."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """'Đăng ký khai sinh' → 'dang ky khai sinh', so citizens may type without diacritics."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.split())
