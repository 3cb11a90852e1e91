"""Small text helpers shared by the source parsers."""

from __future__ import annotations

import re
import unicodedata

NO_INFO = "Không có thông tin"
_SPACES = re.compile(r"\s+")
UPPER = "".join(c for c in map(chr, range(0x41, 0x1EF9)) if c.isupper() and c.isalpha())
LOWER = "".join(c for c in map(chr, range(0x61, 0x1EFA)) if c.islower() and c.isalpha())


def clean(text: str | None) -> str:
    """NFC-normalise and collapse every run of whitespace (including newlines) to one space."""
    if not text:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def value(text: str | None) -> str | None:
    """A cleaned cell, or None when it is empty or says "Không có thông tin"."""
    cleaned = clean(text).strip(" .;,-")
    if not cleaned or cleaned.casefold() == NO_INFO.casefold():
        return None
    return clean(text)


def lines(text: str | None) -> list[str]:
    """Non-empty cleaned lines of a multi-line cell, without "Không có thông tin"."""
    if not text:
        return []
    out = [clean(line) for line in unicodedata.normalize("NFC", text).splitlines()]
    return [line for line in out if line and value(line) is not None]
