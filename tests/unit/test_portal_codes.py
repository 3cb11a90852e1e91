"""Dossier and procedure codes: every form a citizen types, and everything that is not a code."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.portal_contract.codes import (
    format_dossier_code,
    normalise_dossier_code,
    normalise_procedure_code,
)
from bot.portal_contract.errors import InvalidCode

CANONICAL = "000.00.20.H37-250612-0001"


@pytest.mark.parametrize(
    "typed",
    [
        CANONICAL,
        "000.00.20.h37-250612-0001",
        "  000.00.20.H37 - 250612 - 0001\n",
        "000.00.20.H37 250612 0001",
        "000.00.20.H37250612-0001",
        "0000020H372506120001",
        "000 00 20 h37 250612 0001",
        "000_00_20_H37/250612/0001",
    ],
)
def test_typed_forms_normalise_to_the_canonical_code(typed: str) -> None:
    assert normalise_dossier_code(typed) == CANONICAL


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "hồ sơ của tôi",
        "000.00.20.H37-250612-001",
        "000.00.20.H37-250612-00001",
        "000.00.20.H37-251312-0001",
        "000.00.20.H37-250230-0001",
        "000.00.20.37-250612-0001",
        "9" * 2000,
        "' OR '1'='1",
        "<script>alert(1)</script>",
        CANONICAL + " " * 60,
    ],
)
def test_anything_else_is_an_invalid_code(typed: str) -> None:
    with pytest.raises(InvalidCode):
        normalise_dossier_code(typed)


def test_format_builds_the_canonical_code() -> None:
    code = format_dossier_code("000.20.31.H37", dt.date(2025, 1, 2), 42)
    assert code == "000.20.31.H37-250102-0042"
    assert normalise_dossier_code(code.replace("-", "").lower()) == code


@pytest.mark.parametrize(
    ("typed", "base"),
    [
        ("1.001193", "1.001193"),
        (" 1.001193 ", "1.001193"),
        ("1.001193.000.00.00.H37", "1.001193"),
        ("2.002349.000.00.00.h37", "2.002349"),
        ("1.004227.000.00.00.H37.H", "1.004227"),
    ],
)
def test_procedure_codes_normalise_to_the_base_code(typed: str, base: str) -> None:
    assert normalise_procedure_code(typed) == base


@pytest.mark.parametrize("typed", ["", "1.00119", "1001193", "TEST_MOT_CAP", "1" * 2000])
def test_malformed_procedure_codes_are_invalid(typed: str) -> None:
    with pytest.raises(InvalidCode):
        normalise_procedure_code(typed)
