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


def test_every_answer_of_a_district_level_procedure_carries_the_notice() -> None:
    notice = "Từ ngày 01/7/2025 không còn cấp huyện."
    district = Procedure(
        code="1.000775",
        name="Tặng giấy khen của Chủ tịch UBND cấp huyện về thành tích đột xuất",
        field="Thi đua - Khen thưởng",
        source="provincial",
        data_date=dt.date(2026, 5, 19),
    )
    entries = procedure_entries(district, notice)
    assert entries and all(e.district_notice and notice in e.answer for e in entries)
    plain = district.model_copy(update={"name": "Tặng giấy khen của Chủ tịch UBND cấp xã"})
    assert not any(e.district_notice for e in procedure_entries(plain, notice))
