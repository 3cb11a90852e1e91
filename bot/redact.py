"""Masks personal data in what citizens type before it is stored for staff: dossier codes, phone
numbers, emails and identity-card numbers (every pattern lives here)."""

from __future__ import annotations

import re

from bot.portal_contract.codes import DOSSIER_IN_TEXT

PHONE = re.compile(r"(?<!\d)(?:\+\s?84|84|0)(?:[\s.\-]?\d){9}(?!\d)", re.ASCII)
"""A Vietnamese phone number (10 digits from 0, or +84/84 and 9 digits), spaced or dotted."""
ID_NUMBER = re.compile(r"(?<!\d)(?:\d{12}|\d{9})(?!\d)", re.ASCII)
"""A citizen identity card (CCCD, 12 digits) or an old identity card (CMND, 9 digits)."""
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
"""An email address."""

MASKS = (
    (DOSSIER_IN_TEXT, "[mã hồ sơ]"),
    (EMAIL, "[email]"),
    (PHONE, "[số điện thoại]"),
    (ID_NUMBER, "[số giấy tờ]"),
)


def redact(text: str) -> str:
    """``text`` with every dossier code, email, phone number and ID number replaced by a label."""
    for pattern, label in MASKS:
        text = pattern.sub(label, text)
    return text
