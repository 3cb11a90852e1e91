from __future__ import annotations

import pytest

from bot.redact import redact


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("số em là 0912 345 678 ạ", "số em là [số điện thoại] ạ"),
        ("gọi +84 912.345.678", "gọi [số điện thoại]"),
        ("cccd 001203004567 mất", "cccd [số giấy tờ] mất"),
        ("cmnd 123456789", "cmnd [số giấy tờ]"),
        ("tra hồ sơ 000.00.20.h37 250612 0001 giúp", "tra hồ sơ [mã hồ sơ] giúp"),
        ("mã 000.00.20.H37-250612-0001.", "mã [mã hồ sơ]."),
    ],
)
def test_personal_data_is_masked(typed: str, stored: str) -> None:
    assert redact(typed) == stored


def test_ordinary_numbers_stay() -> None:
    text = "lệ phí 50000 đồng, thủ tục 1.001193, năm 2024, 15 ngày"
    assert redact(text) == text
