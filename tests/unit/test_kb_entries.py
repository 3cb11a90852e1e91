"""How a procedure's facts read in its answers."""

from __future__ import annotations

import datetime as dt

from bot.knowledge.entries import procedure_entries
from bot.knowledge.schema import Document, Procedure


def test_documents_everyone_submits_come_before_special_cases() -> None:
    procedure = Procedure(
        code="1.001193",
        name="Đăng ký khai sinh",
        field="Hộ tịch",
        source="national",
        data_date=dt.date(2026, 5, 19),
        documents=[
            Document(name="Trường hợp trẻ em bị bỏ rơi thì phải có biên bản", copies="1 bản chính"),
            Document(name="Trường hợp đã nộp bản điện tử thì không phải nộp bản giấy."),
            Document(name="Tờ khai đăng ký khai sinh", copies="1 bản chính", form="Mẫu TK.doc"),
            Document(name="Giấy chứng sinh", copies="1 bản chính"),
        ],
    )
    answer = next(e.answer for e in procedure_entries(procedure, None) if e.topic == "ho_so")
    order = [answer.index(text) for text in ("Tờ khai", "Giấy chứng sinh", "bỏ rơi", "bản điện tử")]
    assert order == sorted(order)
