"""Source parsing: every defect of the province list, and the flattened national cells."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest

from bot.knowledge.national import (
    parse_channels,
    parse_documents,
    parse_legal_basis,
    parse_result,
    parse_steps,
    read_national,
)
from bot.knowledge.province import SourceError, clean_code, merge_rows, read_province

SOURCE = Path(__file__).resolve().parent.parent / "fixtures" / "source"


@pytest.fixture(scope="module")
def merged():
    rows = read_province(SOURCE / "province.csv")
    records, _ = read_national(SOURCE / "national.jsonl")
    return merge_rows(rows, {r.ma_thu_tuc: r.ten_thu_tuc for r in records})


def _items(report, action):
    return [item for item in report if item.action == action]


def test_test_rows_are_skipped_and_reported(merged):
    procedures, report = merged
    skipped = {item.code: item.reason for item in _items(report, "skipped")}
    assert skipped["2.000815"] == "test row"
    assert skipped["TEST_MOT_CAP"] == "test row"
    assert "2.000815" not in procedures


def test_local_code_is_skipped_with_reason(merged):
    _, report = merged
    reasons = {item.code: item.reason for item in _items(report, "skipped")}
    assert "without a national number" in reasons["CCCX_01"]


@pytest.mark.parametrize(
    ("raw", "base"),
    [
        ("2.000843..000.00.00.H37", "2.000843"),
        ("2.002349.000.00. 00.H37", "2.002349"),
        ("2.001958000.00.00.H37", "2.001958"),
        ("2000027.000.00.00.H37", "2.000027"),
        ("2.002516.000.00.00.H37.", "2.002516"),
        ("3.000098.000.00.00.h37", "3.000098"),
    ],
)
def test_malformed_codes_are_repaired_and_reported(merged, raw, base):
    procedures, report = merged
    assert base in procedures
    assert any(item.code == raw for item in _items(report, "repaired"))
    assert all(code.endswith(".H37") for code in procedures[base].province_codes)


def test_code_missing_a_digit_repaired_only_when_the_name_decides(merged):
    procedures, report = merged
    assert "1.01299.000.00.00.H37" in {i.code for i in _items(report, "repaired")}
    assert procedures["1.012990"].rows == ["1250", "486"]
    ambiguous = {i.code: i.reason for i in _items(report, "ambiguous")}
    assert "missing a digit" in ambiguous["2.00223.000.00.00.H37"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1.007939.000.00,00,H37", "1.007939.000.00.00.H37"),
        ("1.010818.0000.00.00.H37", "1.010818.000.00.00.H37"),
        ("2.000227.00000.00.H37", "2.000227.000.00.00.H37"),
        ("2.000908.000.00.00.H37.X", "2.000908.000.00.00.H37.X"),
    ],
)
def test_suffix_separators_are_repaired(raw, code):
    result = clean_code(raw, "Tên", {})
    assert result.code == code
    assert bool(result.repairs) == (raw != code)


def test_unrecognised_code_is_not_guessed():
    result = clean_code("2.0X0815.000.00.00.H37", "Tên", {})
    assert result.base is None
    assert result.action == "skipped"


def test_suffix_variants_merge_into_one_procedure_with_levels(merged):
    procedures, report = merged
    copies = procedures["2.000908"]
    assert copies.levels == ["huyen", "xa"]
    assert copies.province_codes == ["2.000908.000.00.00.H37.H", "2.000908.000.00.00.H37.X"]
    assert any(i.code == "2.000908" for i in _items(report, "merged"))


def test_duplicate_rows_merge_keeping_the_published_row(merged):
    procedures, _ = merged
    forest = procedures["1.012694"]
    assert forest.decision == "766/QĐ-UBND"
    assert "\n" not in forest.name
    assert "  " not in forest.name
    assert forest.service_level == "mot_phan"


def test_missing_link_is_reported_not_hidden(merged):
    procedures, report = merged
    assert procedures["1.009832"].link is None
    assert any(i.code.startswith("1.009832") and "no detail link" in i.reason for i in report)


def test_nothing_is_dropped_silently(merged):
    procedures, report = merged
    rows = read_province(SOURCE / "province.csv")
    kept = {stt for proc in procedures.values() for stt in proc.rows}
    dropped = {i.row for i in report if i.action in ("skipped", "ambiguous")}
    assert kept | dropped == {row.stt for row in rows}


def test_channels_split_with_time_and_fee_per_channel():
    cell = (
        "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến7 Ngày làm việc10,000 Việt Nam Đồng"
        "(Lệ phí: 10.000 đồng/hồ sơ)Trực tiếp15 NgàyMiễn phíDịch vụ bưu chínhKhông có thông tin"
        "Không có thông tinGửi qua bưu điện."
    )
    online, direct, post = parse_channels(cell)
    assert (online.kind, online.time, online.fee, online.fee_note) == (
        "truc_tuyen",
        "7 ngày làm việc",
        "10.000 đồng",
        "Lệ phí: 10.000 đồng/hồ sơ",
    )
    assert (direct.kind, direct.time, direct.fee) == ("truc_tiep", "15 ngày", "Miễn phí")
    assert (post.kind, post.time, post.fee, post.note) == (
        "buu_chinh",
        None,
        None,
        "Gửi qua bưu điện.",
    )


def test_documents_split_with_copies_and_form_names():
    cell = (
        "* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượng"
        "Tờ khai theo mẫu;Mẫu số 01.docx1 bản chính"
        "Bản sao giấy tờ tùy thân0 bản chính,1 bản sao"
        "- Trường hợp ủy quyền: văn bản ủy quyền1 bản chính"
    )
    first, second, third = parse_documents(cell)
    assert (first.name, first.form, first.copies) == (
        "Tờ khai theo mẫu",
        "Mẫu số 01.docx",
        "1 bản chính",
    )
    assert (second.name, second.copies) == ("Bản sao giấy tờ tùy thân", "1 bản sao")
    assert third.name == "Trường hợp ủy quyền: văn bản ủy quyền"
    assert {doc.group for doc in (first, second, third)} == {"Giấy tờ phải nộp"}


def test_legal_basis_gives_numbers_and_titles():
    cell = (
        "Tên văn bản pháp lýMã văn bảnLuật Hộ tịch60/2014/QH13Nghị định số 123/2015/NĐ-CP ngày "
        "15/11/2015 quy định chi tiết123/2015/NĐ-CPQuyết định về phí01/2024/QĐ-TTg"
    )
    refs = parse_legal_basis(cell)
    assert [ref.number for ref in refs] == ["60/2014/QH13", "123/2015/NĐ-CP", "01/2024/QĐ-TTg"]
    assert [ref.kind for ref in refs] == ["Luật", "Nghị định", "Quyết định"]
    assert refs[0].title == "Luật Hộ tịch"
    assert refs[1].title.startswith("Nghị định số 123/2015/NĐ-CP")
    assert refs[1].date == dt.date(2015, 11, 15)


def test_result_strips_codes_and_page_furniture():
    cell = (
        "Giấy khai sinhMã: KQ.G15.000031Bản sao Giấy khai sinhMã: KQ.G15.000032Từ khóaKhông có "
        "thông tinMô tảKhông có thông tinChọn cơ quan thực hiệnTỉnh/ Thành phốNộp hồ sơ"
    )
    assert parse_result(cell) == "Giấy khai sinh; Bản sao Giấy khai sinh"
    assert parse_result("Không có thông tin") is None


def test_steps_group_lines_under_each_numbered_step():
    text = "Bước 1: Nộp hồ sơ.\n+ Trực tiếp\n+ Trực tuyến\nBước 2: Nhận kết quả."
    assert parse_steps(text) == [
        "Bước 1: Nộp hồ sơ.\n+ Trực tiếp\n+ Trực tuyến",
        "Bước 2: Nhận kết quả.",
    ]
    assert parse_steps("Không có thông tin") == []


def test_national_reader_reports_bad_lines_and_reads_gzip(tmp_path):
    good = (SOURCE / "national.jsonl").read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "records.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(f'{good}\n{{not json\n\n{{"ma_thu_tuc": "abc", "ten_thu_tuc": "x"}}\n')
    records, bad = read_national(path)
    assert [r.ma_thu_tuc for r in records] == ["1.001193"]
    assert [b.line for b in bad] == [2, 3]


def test_province_csv_without_a_column_is_a_clear_error(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("stt,ma_tthc\n1,1.001193.000.00.00.H37\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"missing column.*ten_tthc"):
        read_province(path)


def test_province_csv_in_another_encoding_is_a_clear_error(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes((SOURCE / "province.csv").read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(SourceError, match="not UTF-8"):
        read_province(path)
