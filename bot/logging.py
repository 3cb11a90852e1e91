"""Structured logging shared by every process (structlog over the standard library).

Every line is scrubbed before it is written: dossier codes, web-widget conversation ids (they
unlock the conversation's history), phone numbers (spaced or not), emails and long digit runs
(ID numbers) become keyed
pseudonyms (``bot.privacy``), in structlog events and in standard-library
records alike (uvicorn's access log prints request paths, which hold dossier codes). Names cannot
be recognised in free text, so no call site logs one; ``tests/integration/test_privacy_logs.py``
reads every line of a real run to keep it so.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any

import structlog

from bot.portal_contract.codes import DOSSIER_IN_TEXT
from bot.privacy import pseudonym
from bot.redact import EMAIL, PHONE
from bot.settings import get_settings

_LONG_DIGITS = re.compile(r"(?<![0-9])[0-9]{9,}(?![0-9])")
_WEB_SENDER = re.compile(r"\bweb(?::|%3[Aa])([A-Za-z0-9_.\-]+)")
"""A web-widget conversation id, as such or URL-encoded (it reads the conversation's history)."""


def scrub(text: str, hash_key: str) -> str:
    """``text`` with every dossier code, web conversation id, phone number, email and run of 9+
    digits replaced by a pseudonym."""
    text = DOSSIER_IN_TEXT.sub(lambda m: f"dossier#{pseudonym(m.group(0), hash_key)}", text)
    text = _WEB_SENDER.sub(lambda m: f"web#{pseudonym('web:' + m.group(1), hash_key)}", text)
    text = EMAIL.sub(lambda m: f"email#{pseudonym(m.group(0).lower(), hash_key)}", text)
    text = PHONE.sub(lambda m: f"phone#{pseudonym(m.group(0), hash_key)}", text)
    return _LONG_DIGITS.sub(lambda m: f"digits#{pseudonym(m.group(0), hash_key)}", text)


OWN_IDS = frozenset({"request_id"})
"""Event keys holding identifiers the services generate (never personal data). They are logged as
they are: a request id is the incident code a citizen quotes to staff, and 15 % of uuid4 hex ids
hold a run of 9+ digits that ``scrub`` would otherwise replace."""


class ScrubPersonalData:
    """A structlog processor applying ``scrub`` to every string value of an event (except the
    services' own identifiers, :data:`OWN_IDS`)."""

    def __init__(self, hash_key: str) -> None:
        self._key = hash_key

    def __call__(
        self, _logger: Any, _name: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        for name, value in event_dict.items():
            if isinstance(value, str) and name not in OWN_IDS:
                event_dict[name] = scrub(value, self._key)
        return event_dict


class ScrubFilter(logging.Filter):
    """A standard-library filter rendering each record's message scrubbed."""

    def __init__(self, hash_key: str) -> None:
        super().__init__()
        self._key = hash_key

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage(), self._key)
        record.args = None
        return True


def configure_logging(level: str = "INFO", json: bool = False, hash_key: str | None = None) -> None:
    """Configure structlog and the standard library once per process; ``hash_key`` defaults to
    ``ISEE_PRIVACY_HASH_KEY``."""
    key = hash_key if hash_key is not None else get_settings().privacy_hash_key
    logging.basicConfig(level=level.upper(), format="%(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(existing, ScrubFilter) for existing in handler.filters):
            handler.addFilter(ScrubFilter(key))
    # httpx logs every request URL at INFO; the Messenger Send API carries its token in the URL.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            ScrubPersonalData(key),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=True,
    )
