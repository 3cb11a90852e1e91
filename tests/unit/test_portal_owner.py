"""Reading the 4 digits of the owner check, and the client id the portal limits on."""

from __future__ import annotations

import pytest

from bot.portal.owner import (
    LastFourStatus,
    client_id,
    read_last_four,
    web_client_id,
)


@pytest.mark.parametrize(
    ("text", "digits"),
    [("5678", "5678"), ("4 số cuối là 0479 ạ", "0479"), ("sdt duoi 12 3944", "3944")],
)
def test_four_ascii_digits_are_read(text: str, digits: str) -> None:
    assert read_last_four(text).digits == digits


@pytest.mark.parametrize(
    "text", ["١٢٣٤", "１２３４", "¹²³⁴", "4 số cuối là ۵۶۷۸", "12٣4", "1234 ١"]
)
def test_any_other_digit_is_asked_again_never_converted(text: str) -> None:
    result = read_last_four(text)
    assert result.status is LastFourStatus.NOT_ASCII and result.digits is None


@pytest.mark.parametrize("text", ["", "không nhớ", "123", "123456"])
def test_no_group_of_four_is_missing(text: str) -> None:
    assert read_last_four(text).status is LastFourStatus.MISSING


def test_the_gateway_assigned_client_wins_over_the_sender() -> None:
    assigned = web_client_id("203.0.113.7", "k")
    assert assigned.startswith("web:") and "203.0.113.7" not in assigned
    assert client_id({"client": assigned}, "any-sender", "k") == assigned
    assert client_id({"client": assigned}, "another-sender", "k") == assigned


def test_without_a_valid_assigned_client_the_sender_is_pseudonymised() -> None:
    fallback = client_id(None, "zalo:84912345678", "k")
    assert fallback.startswith("sender:") and "84912345678" not in fallback
    assert client_id({"client": "bad id ١"}, "zalo:84912345678", "k") == fallback
