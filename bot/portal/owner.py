"""What the assistant sends for an owner check: the 4 digits the citizen typed and the client id.

Digits count only when they are ASCII ``0-9``. Other digits ("١٢٣٤", "１２３４", "¹²³⁴") are not
converted: the citizen is asked again (``LastFour.OTHER_DIGITS``), so nothing non-ASCII ever
reaches an HTTP header.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from bot.portal_contract.models import END_USER_PATTERN
from bot.privacy import pseudonym

CLIENT_METADATA_KEY = "client"
"""Key of the message metadata where the gateway puts the client id it assigned."""

_ASCII_FOUR = re.compile(r"(?<![0-9])[0-9]{4}(?![0-9])")


class LastFourStatus(StrEnum):
    """What a message holds for the owner check."""

    FOUND = "found"
    NOT_ASCII = "not_ascii"
    MISSING = "missing"


class LastFour(BaseModel):
    """The last group of exactly four ASCII digits in a message, or why there is none."""

    model_config = ConfigDict(frozen=True)

    status: LastFourStatus
    digits: str | None = None


def read_last_four(text: str) -> LastFour:
    """The last group of 4 ASCII digits ("4 số cuối là 5678" → "5678"); ``NOT_ASCII`` when the
    message has any other kind of digit (Arabic-Indic, full-width, superscript…)."""
    if any(char.isdigit() and not char.isascii() for char in text):
        return LastFour(status=LastFourStatus.NOT_ASCII)
    groups = _ASCII_FOUR.findall(text)
    if groups:
        return LastFour(status=LastFourStatus.FOUND, digits=groups[-1])
    return LastFour(status=LastFourStatus.MISSING)


def client_id(metadata: Mapping[str, object] | None, sender_id: str, hash_key: str) -> str:
    """The end client's id for the portal's limits.

    The gateway puts the id it assigned (``web:<pseudonym of the connection's address>``, later
    ``zalo:<pseudonym of the platform's user id>``) in the message metadata; the citizen cannot
    choose it. Messages that did not come through the gateway (Rasa shell, tests) fall back to a
    pseudonym of the conversation's sender id.
    """
    assigned = (metadata or {}).get(CLIENT_METADATA_KEY)
    if isinstance(assigned, str) and re.fullmatch(END_USER_PATTERN, assigned):
        return assigned
    return f"sender:{pseudonym(sender_id, hash_key)}"


def web_client_id(address: str, hash_key: str) -> str:
    """The client id the gateway assigns to a web connection: a pseudonym of its address (the
    TCP peer, or the address a trusted reverse proxy reports)."""
    return f"web:{pseudonym(address, hash_key)}"
