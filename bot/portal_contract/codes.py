"""Dossier and procedure codes: the forms citizens type, normalised the same way by client and portal.

A dossier code reads ``000.00.20.H37-250612-0001``: the receiving agency (``000.00.20.H37``), the
submission date (``yymmdd``) and a sequence number. Citizens type it in lower case, with spaces,
without dashes or dots; every such form normalises to the canonical one.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.portal_contract.errors import InvalidCode

MAX_RAW_CODE_CHARS = 64
"""Longest raw input worth parsing; anything longer is rejected before any other work."""

# re.ASCII everywhere: only 0-9 are digits ("١٢٣٤" or "１２３４" is not a code).
_SEPARATORS = re.compile(r"[\s.\-_/]+")
_DOSSIER_COMPACT = re.compile(r"(\d{3})(\d{2})(\d{2})([A-Z]\d{2})(\d{6})(\d{4})", re.ASCII)
_PROCEDURE = re.compile(
    r"(\d)\.(\d{6})(?:\.\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}(?:\.[A-Z])?)?", re.ASCII
)
DOSSIER_CODE_PATTERN = r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}$"


def normalise_dossier_code(raw: str) -> str:
    """The canonical form of a dossier code, e.g. ``000.00.20.H37-250612-0001``.

    Raises ``InvalidCode`` when the input cannot be a dossier code (wrong shape, impossible date,
    or longer than ``MAX_RAW_CODE_CHARS``).
    """
    if len(raw) > MAX_RAW_CODE_CHARS:
        raise InvalidCode("dossier code is too long")
    compact = _SEPARATORS.sub("", raw.strip().upper())
    match = _DOSSIER_COMPACT.fullmatch(compact)
    if match is None:
        raise InvalidCode("not a dossier code")
    a, b, c, province, day, sequence = match.groups()
    try:
        dt.datetime.strptime(day, "%y%m%d")
    except ValueError as exc:
        raise InvalidCode("impossible submission date in dossier code") from exc
    return f"{a}.{b}.{c}.{province}-{day}-{sequence}"


def format_dossier_code(agency_code: str, day: dt.date, sequence: int) -> str:
    """The canonical code of the ``sequence``-th dossier an agency received on ``day``."""
    return normalise_dossier_code(f"{agency_code}-{day:%y%m%d}-{sequence:04d}")


def normalise_procedure_code(raw: str) -> str:
    """The base code of a procedure (``1.001193``), also from its provincial form (``….H37``).

    Raises ``InvalidCode`` for anything else.
    """
    if len(raw) > MAX_RAW_CODE_CHARS:
        raise InvalidCode("procedure code is too long")
    match = _PROCEDURE.fullmatch(re.sub(r"\s+", "", raw, flags=re.ASCII).upper())
    if match is None:
        raise InvalidCode("not a procedure code")
    return f"{match.group(1)}.{match.group(2)}"


DOSSIER_IN_TEXT = re.compile(
    r"\d{3}[\s.\-_/]*\d{2}[\s.\-_/]*\d{2}[\s.\-_/]*[A-Za-z]\d{2}[\s.\-_/]*\d{6}[\s.\-_/]*\d{4}",
    re.ASCII,
)
"""A dossier code in any form citizens type, inside a longer text (also used to scrub logs)."""


def find_dossier_code(text: str) -> str | None:
    """The canonical dossier code written somewhere in a message, or None.

    Accepts the forms citizens type ("mã hồ sơ 000.00.20.h37 250612 0001 ạ").
    """
    if len(text) > 1000:
        return None
    for match in DOSSIER_IN_TEXT.finditer(text):
        try:
            return normalise_dossier_code(match.group(0))
        except InvalidCode:
            continue
    return None
