"""Masking of personal data, so it never reaches a reply or a log in full."""

from __future__ import annotations

import hashlib


def mask_name(full_name: str) -> str:
    """Keep the family name and the initial of every other word: 'Nguyễn Văn An' → 'Nguyễn V** A**'."""
    words = full_name.split()
    if not words:
        return ""
    return " ".join([words[0], *(f"{word[0]}**" for word in words[1:])])


def mask_digits(value: str, visible: int = 3) -> str:
    """Hide all but the last ``visible`` characters: '0912345678' → '*******678'."""
    shown = value[-visible:] if visible else ""
    return "*" * (len(value) - len(shown)) + shown


def end_user_key(sender_id: str) -> str:
    """A stable pseudonym of a conversation's sender, sent to the portal for throttling."""
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:32]
