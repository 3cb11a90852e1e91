"""Legal references and time/fee rows of the national records: parsing, validation, answers."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from bot.knowledge.entries import procedure_entries
from bot.knowledge.legal import citation, is_valid_number, normalize_number, parse_legal_basis
from bot.knowledge.loader import SITE_FILE, load_answer_rules, parse_file
from bot.knowledge.national import _CHANNEL_HEADER, _CHANNEL_START, parse_channels
from bot.knowledge.schema import Channel, LegalRef, Procedure
from bot.knowledge.site import Site

REPO_KB = Path(__file__).resolve().parents[2] / "knowledge_base"
RULES = load_answer_rules(REPO_KB, parse_file(REPO_KB / SITE_FILE, Site))

NATIONAL = Path("/work/shared/data/national_procedures.jsonl.gz")
HEADER = "Tên văn bản pháp lýMã văn bản"

# Real cells of the national file (1.014979: one row per case and channel; 1.013065: the
# lost-certificate case in the description).
TAX_REFUND = (
    "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp6 Ngày làm việcMiễn phíĐối với hồ sơ thuộc "
    "diện hoàn thuế trước: Chậm nhất 06 ngày làm việc kể từ ngày cơ quan quản lý thuế có thông "
    "báo bằng văn bản về việc chấp nhận hồ sơ và thời hạn giải quyết hồ sơ hoàn thuế. Trực tiếp40 "
    "NgàyMiễn phíĐối với hồ sơ thuộc diện kiểm tra trước hoàn thuế: Chậm nhất là 40 ngày kể từ "
    "ngày cơ quan quản lý thuế có thông báo bằng văn bản về việc chấp nhận hồ sơ và thời hạn giải "
    "quyết hồ sơ hoàn thuế.Trực tuyến6 Ngày làm việcMiễn phíĐối với hồ sơ thuộc diện hoàn thuế "
    "trước: Chậm nhất 06 ngày làm việc kể từ ngày cơ quan quản lý thuế có thông báo bằng văn bản "
    "về việc chấp nhận hồ sơ và thời hạn giải quyết hồ sơ hoàn thuế. Trực tuyến40 NgàyMiễn phíĐối "
    "với hồ sơ thuộc diện kiểm tra trước hoàn thuế: Chậm nhất là 40 ngày kể từ ngày cơ quan quản "
    "lý thuế có thông báo bằng văn bản về việc chấp nhận hồ sơ và thời hạn giải quyết hồ sơ hoàn "
    "thuế."
)
VEHICLE = (
    "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến8 GiờMiễn phí- Cách thức thực hiện: + Chủ xe "
    "thực hiện kê khai đăng ký xe trên Cổng dịch vụ công hoặc Ứng dụng định danh quốc gia. - Thời "
    "hạn giải quyết: + Không quá 8 giờ làm việc, kể từ khi nhận đủ hồ sơ hợp lệ. + Trong trường "
    "hợp bị mất chứng nhận đăng ký xe, biển số xe: Phải tiến hành xác minh trong thời hạn 30 ngày, "
    "kể từ ngày nhận đủ hồ sơ hợp lệ;"
)
FEE_EXPLAINED = (
    "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp6 Ngày làm việc800,000 Việt Nam ĐồngPhí: "
    "800.000 đồng/hồ sơ (áp dụng mức phí 400.000 đồng/hồ sơ kể từ ngày 01/7/2025 đến hết ngày "
    "31/12/2026 theo Thông tư số 64/2025/TT-BTC).\n\nLệ phí: 100.000 đồng/hồ sơ."
    "Trực tuyến2 Ngày làm việc70,000 VNĐ(70.000 đồng/Giấy chứng nhận)"
    "Dịch vụ bưu chính1Miễn phí((Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh quyết định.))"
)


def _procedure(**facts: object) -> Procedure:
    return Procedure(
        code="1.014979",
        name="Hoàn nộp thừa thuế",
        field="Thuế",
        source="national",
        data_date=dt.date(2026, 5, 19),
        **facts,
    )


def _answer(procedure: Procedure, topic: str) -> str:
    return next(e.answer for e in procedure_entries(procedure, RULES) if e.topic == topic)


def test_a_channel_listed_twice_keeps_both_rows_with_their_case():
    rows = parse_channels(TAX_REFUND)
    assert [(r.kind, r.time) for r in rows] == [
        ("truc_tiep", "6 ngày làm việc"),
        ("truc_tiep", "40 ngày"),
        ("truc_tuyen", "6 ngày làm việc"),
        ("truc_tuyen", "40 ngày"),
    ]
    assert rows[1].note.startswith("Đối với hồ sơ thuộc diện kiểm tra trước hoàn thuế")
    answer = _answer(_procedure(channels=rows), "thoi_han")
    assert "6 ngày làm việc – Đối với hồ sơ thuộc diện hoàn thuế trước" in answer
    assert "40 ngày – Đối với hồ sơ thuộc diện kiểm tra trước hoàn thuế" in answer
    fees = _answer(_procedure(channels=rows), "le_phi")
    assert fees.count("Miễn phí") == 1  # the same fee for both cases is said once
    places = _answer(_procedure(channels=rows), "noi_nop")
    assert places.count("nộp trực tiếp") == 1


def test_the_description_that_qualifies_the_time_is_shown():
    (row,) = parse_channels(VEHICLE)
    assert (row.kind, row.time, row.fee) == ("truc_tuyen", "8 giờ", "Miễn phí")
    answer = _answer(_procedure(channels=[row]), "thoi_han")
    assert "Nộp trực tuyến: 8 giờ" in answer
    assert "mất chứng nhận đăng ký xe, biển số xe" in answer
    assert "30 ngày" in answer


def test_fee_explanations_are_kept_and_shown_and_no_unit_is_guessed():
    direct, online, post = parse_channels(FEE_EXPLAINED)
    assert (direct.fee, direct.fee_note) == ("800.000 đồng", None)
    assert "400.000 đồng/hồ sơ" in direct.note
    assert (online.fee, online.fee_note) == ("70.000 đồng", "70.000 đồng/Giấy chứng nhận")
    assert post.time == "1"  # the source says "1": no "ngày" is made up
    assert post.fee_note == "Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh quyết định."
    fees = _answer(_procedure(channels=[direct, online, post]), "le_phi")
    assert "800.000 đồng – Phí: 800.000 đồng/hồ sơ (áp dụng mức phí 400.000 đồng/hồ sơ" in fees
    assert "Lệ phí: 100.000 đồng/hồ sơ" in fees
    assert "70.000 đồng (70.000 đồng/Giấy chứng nhận)" in fees
    assert "Miễn phí (Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh quyết định.)" in fees
    times = _answer(_procedure(channels=[direct, online, post]), "thoi_han")
    assert "1 ngày" not in times
    assert "Nộp qua dịch vụ bưu chính: 1 (trang thủ tục không ghi đơn vị)" in times


def test_ways_with_the_same_rows_share_one_line():
    same = [Channel(kind=k, time="5 ngày làm việc") for k in ("truc_tuyen", "truc_tiep")]
    answer = _answer(_procedure(channels=same), "thoi_han")
    assert "- Nộp trực tuyến hoặc trực tiếp: 5 ngày làm việc" in answer


@pytest.mark.parametrize(
    "number",
    [
        "123/2015/NĐ-CP",
        "59/2020/QH14",
        "01/2023/TT-BTP",
        "13/2023/TT-BGTVT",
        "20/2014/TTLT-BTP-BCA",
        "42/2012/QĐ-TTg",
        "66.7/2025/NQ-CP",
        "26/2005/PL-UBTVQH11",
        "595/QĐ-BHXH",
        "30a/2008/NQ-CP",
    ],
)
def test_valid_document_numbers(number):
    assert is_valid_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "96/2024/NĐ-C",
        "13/2023/TT-BGTV",
        "202076/2025/QH15",
        "171/2016/NĐ-",
        "105/2025/CP-NĐ",
        "40/2029/QH14",
        "22/2023/TT-BCAL",
        "Luật số 58",
    ],
)
def test_garbled_document_numbers_are_rejected(number):
    assert not is_valid_number(number)


def test_ascii_spellings_are_read_as_the_vietnamese_code():
    assert normalize_number("18/2021/ND-CP") == "18/2021/NĐ-CP"


def test_glued_cells_are_split_into_references():
    # 1.007956: the law was swallowed into the next title; 1.001266: "…Doanh nghiệp 2020" + "76/…".
    cell = (
        HEADER + "Luật Các tổ chức tín dụngLuật số 32/2024/QH15phân cấp thực hiện thủ tục hành "
        "chính trong lĩnh vực thông tin tín dụng11/2026/TT-NHNNLuật sửa đổi, bổ sung một số điều "
        "của Luật Doanh nghiệp 202076/2025/QH15Quy định chi tiết một số điều của Luật Kinh doanh "
        "bất động sản96/2024/NĐ-CPLuật Luật Ngân hàng Nhà nướcLuật số 46/2010/QH12"
    )
    refs = parse_legal_basis(cell)
    assert [r.number for r in refs] == [
        "32/2024/QH15",
        "11/2026/TT-NHNN",
        "76/2025/QH15",
        "96/2024/NĐ-CP",
        "46/2010/QH12",
    ]
    assert [citation(r) for r in refs] == [
        "Luật Các tổ chức tín dụng số 32/2024/QH15",
        "Thông tư số 11/2026/TT-NHNN phân cấp thực hiện thủ tục hành chính trong lĩnh vực "
        "thông tin tín dụng",
        "Luật số 76/2025/QH15 sửa đổi, bổ sung một số điều của Luật Doanh nghiệp 2020",
        "Nghị định số 96/2024/NĐ-CP quy định chi tiết một số điều của Luật Kinh doanh bất động sản",
        "Luật Ngân hàng Nhà nước số 46/2010/QH12",
    ]


def test_type_date_and_repairs():
    cell = (
        HEADER + "Nghị định số 95/2024/NĐ-CP ngày 24 tháng 7 năm 2024 của Chính phủ về quy định "
        "chi tiết một số điều của Luật Nhà ở;95/2024/NĐ-CPLuật Đất đai ngày 18/01/2024;31/2024/QH15"
        "Thực hiện thủ tục hành chính theo cơ chế một cửa118/2025/NĐ-CNghị định 101/2024/NĐ-CP"
        "101/2024/NĐ-CPNghị quyết 110/2015/QH13110/2015/QH13Ưu đãi người có công105/2025/CP-NĐ"
    )
    refs = parse_legal_basis(cell)
    by_number = {r.number: r for r in refs}
    decree = by_number["95/2024/NĐ-CP"]
    assert (decree.kind, decree.date) == ("Nghị định", dt.date(2024, 7, 24))
    assert citation(by_number["31/2024/QH15"]) == "Luật Đất đai số 31/2024/QH15 ngày 18/01/2024"
    assert "118/2025/NĐ-CP" in by_number  # "NĐ-C" can only be "NĐ-CP"
    assert citation(by_number["101/2024/NĐ-CP"]) == "Nghị định số 101/2024/NĐ-CP"
    assert by_number["110/2015/QH13"].kind == "Nghị quyết"
    unreadable = [r for r in refs if r.number is None]
    assert [r.title for r in unreadable] == ["Ưu đãi người có công"]  # no fake number
    assert citation(unreadable[0]) == "Ưu đãi người có công"


def test_a_reference_needs_a_number_or_a_title():
    with pytest.raises(ValueError):
        LegalRef()


def _national_records() -> list[dict[str, str]]:
    if not NATIONAL.exists():
        pytest.skip("national source file not available")
    with gzip.open(NATIONAL, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_whole_national_file_has_no_invalid_or_garbled_reference():
    records = _national_records()
    # Anything that looks like a number; glued to a letter on either side it reads garbled.
    loose = re.compile(
        r"(?<![\d.])\d+(?:\.\d+)?[a-z]?/(?:\d{4}/)?[A-ZĐƯ&]+g?\d{0,2}(?:-[A-ZĐƯ&]*g?\d{0,2})*"
    )
    invalid, garbled, total = [], [], 0
    for record in records:
        for ref in parse_legal_basis(record["can_cu_phap_ly"]):
            total += 1
            if ref.number and not is_valid_number(ref.number):
                invalid.append((record["ma_thu_tuc"], ref.number))
            text = citation(ref)
            for match in loose.finditer(text):
                after = text[match.end() : match.end() + 1]
                before = text[match.start() - 1 : match.start()] if match.start() else ""
                glued = after.isalnum() or before.isalpha()
                if normalize_number(match[0]) is None or glued:
                    garbled.append((record["ma_thu_tuc"], match[0]))
    assert total > 10_000
    assert invalid == []
    assert garbled == []


def test_whole_national_file_keeps_every_row_of_every_channel():
    records = _national_records()
    multi = 0
    for record in records:
        body = " ".join(record["cach_thuc_thuc_hien"].split()).removeprefix(_CHANNEL_HEADER)
        starts = list(_CHANNEL_START.finditer(body))
        cells = {
            (m.group(1), body[m.end() : starts[i + 1].start() if i + 1 < len(starts) else None])
            for i, m in enumerate(starts)
        }
        source = Counter(kind for kind, _ in cells)
        parsed = Counter(row.kind for row in parse_channels(record["cach_thuc_thuc_hien"]))
        kinds = {
            "Trực tuyến": "truc_tuyen",
            "Trực tiếp": "truc_tiep",
            "Dịch vụ bưu chính": "buu_chinh",
        }
        assert parsed == Counter({kinds[k]: n for k, n in source.items()}), record["ma_thu_tuc"]
        multi += any(n > 1 for n in source.values())
    assert multi >= 49
