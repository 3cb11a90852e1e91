"""A callback contact typed by a citizen: a Vietnamese phone number or an email address."""

from __future__ import annotations

import re

from bot.redact import EMAIL, PHONE

_SEPARATORS = re.compile(r"[\s.\-]")
MAX_CONTACT_CHARS = 254


def read_contact(text: str) -> str | None:
    """The phone numbers (digits only, ``+84`` kept) and emails (lowercased) in ``text``, in
    order and joined by ", "; None when it holds neither."""
    matches = [(m.start(), _SEPARATORS.sub("", m.group(0))) for m in PHONE.finditer(text)]
    matches += [(m.start(), m.group(0).lower()) for m in EMAIL.finditer(text)]
    contacts = list(dict.fromkeys(contact for _, contact in sorted(matches)))
    joined = ", ".join(contacts)
    return joined if contacts and len(joined) <= MAX_CONTACT_CHARS else None
