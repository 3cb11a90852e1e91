"""Masking of personal data before the portal sends it, so it never travels in full."""

from __future__ import annotations


def mask_digits(value: str, visible: int = 3) -> str:
    """Hide all but the last ``visible`` characters: '0912345678' → '*******678'."""
    shown = value[-visible:] if visible else ""
    return "*" * (len(value) - len(shown)) + shown
