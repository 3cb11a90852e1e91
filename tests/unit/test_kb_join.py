"""The join check: a national record gives its facts to a provincial code only when it is the
same procedure (code and name); otherwise the record whose name lists it, or nothing."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from bot.knowledge.importer import Built, build
from bot.knowledge.join import (
    JOIN_DOUBTFUL_BELOW,
    JOIN_MIN_CONTAINMENT,
    RETARGET_MIN_JACCARD,
    clause_score,
    name_score,
)
from bot.knowledge.national import NationalRecord, details, read_national
from bot.knowledge.province import ProvinceRow, read_province
from bot.knowledge.source_edits import load_source_edits
from bot.settings import REPO_ROOT

SHARED = Path(os.environ.get("ISEE_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
PROVINCE = SHARED / "langson_procedures_1842.csv"
NATIONAL = SHARED / "national_procedures.jsonl.gz"
DATA_DATE = dt.date(2026, 5, 19)
FORGERY = (
    "Đề nghị thu hồi Giấy chứng nhận đăng ký doanh nghiệp trường hợp nội dung kê khai "
    "trong hồ sơ là giả mạo"
)


# --- the name test on small hand-made pairs -------------------------------------------------


def test_same_name_with_level_suffix_code_tag_accents_or_case_passes():
    assert name_score("Phục hồi danh dự", "Thủ tục phục hồi danh dự (thực hiện tại cấp tỉnh)") == 1
    assert (
        name_score("Cấp giấy phép môi trường", "Cấp giấy phép môi trường (cấp Tỉnh) (1.010727)")
        == 1
    )
    assert name_score("ĐĂNG KÝ KHAI SINH", "Đăng ky khai sinh") == 1


def test_a_broader_national_name_passes():
    merged = "Giải thể doanh nghiệp, giải thể trong trường hợp bị thu hồi Giấy chứng nhận"
    assert name_score("Giải thể doanh nghiệp", merged) >= JOIN_DOUBTFUL_BELOW


def test_a_different_procedure_fails():
    member_change = "Đăng ký thay đổi thành viên công ty trách nhiệm hữu hạn hai thành viên trở lên"
    assert name_score(member_change, FORGERY) < JOIN_MIN_CONTAINMENT
    assert name_score("Cấp giấy phép khai thác khoáng sản", "Đăng ký thường trú") == 0


def test_retarget_needs_the_same_action_and_level():
    assert (
        clause_score("Cấp lại giấy phép khai thác khoáng sản", "Cấp giấy phép khai thác khoáng sản")
        == 0
    )
    assert clause_score("Thu hồi giấy phép môi trường", "Cấp giấy phép môi trường") == 0
    district = "Phê duyệt quy trình vận hành hồ chứa thuộc thẩm quyền của UBND cấp huyện"
    assert clause_score(district, district.replace("huyện", "xã")) == 0
    listed = "Đăng ký thay đổi địa chỉ trụ sở chính, đăng ký đổi tên của doanh nghiệp; Thông báo"
    rename = "Đăng ký đổi tên doanh nghiệp (đối với doanh nghiệp tư nhân, công ty TNHH)"
    assert clause_score(rename, listed) >= RETARGET_MIN_JACCARD


# --- build() on hand-made rows: re-targeting and the national-only records ------------------


def _row(stt: str, code: str, name: str) -> ProvinceRow:
    return ProvinceRow(
        stt=stt,
        ma_tthc=f"{code}.000.00.00.H37",
        ten_tthc=name,
        linh_vuc="Thành lập và hoạt động của doanh nghiệp",
    )


def _record(code: str, name: str, documents: str) -> NationalRecord:
    return NationalRecord(
        ma_thu_tuc=code,
        ten_thu_tuc=name,
        detail_url=f"https://dichvucong.gov.vn/{code}",
        cap_thuc_hien="Cấp tỉnh",
        linh_vuc="Thành lập và hoạt động của doanh nghiệp",
        thanh_phan_ho_so=f"* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượng{documents}"
        "1 bản chính",
    )


def test_retargeted_record_is_joined_once_and_not_imported_on_its_own():
    rows = [
        _row("1", "2.002008", "Đăng ký thay đổi thành viên công ty TNHH hai thành viên trở lên"),
        _row("2", "2.002099", "Đăng ký thành lập công ty cổ phần"),
    ]
    records = [
        _record("2.002008", FORGERY, "Văn bản của cơ quan công an về giấy tờ giả mạo"),
        _record(
            "2.009999",
            "Đăng ký thay đổi thành viên hợp danh; đăng ký thay đổi thành viên công ty TNHH "
            "hai thành viên trở lên",
            "Thông báo thay đổi thành viên",
        ),
        _record(
            "2.002099",
            "Cấp đổi giấy phép hoạt động bến thủy nội địa",
            "Giấy phép hoạt động bến thủy nội địa",
        ),
    ]
    built = build(rows, records, DATA_DATE, [])
    member_change = built.procedures["2.002008"]
    assert member_change.links.national == "https://dichvucong.gov.vn/2.009999"
    assert [d.name for d in member_change.documents] == ["Thông báo thay đổi thành viên"]
    assert "2.009999" not in built.procedures
    assert "2.009999" not in {c.code for c in built.central.procedures}
    # A refused join with nothing to re-target to leaves the code without facts.
    stock = built.procedures["2.002099"]
    assert stock.links.national is None and not stock.documents
    actions = {(i.code, i.action) for i in built.report}
    assert {("2.002008", "refused"), ("2.002008", "retargeted"), ("2.002099", "refused")} <= actions
    assert ("2.009999", "note") in actions


# --- the real sources -----------------------------------------------------------------------

needs_data = pytest.mark.skipif(not PROVINCE.exists(), reason=f"source data not in {SHARED}")


@pytest.fixture(scope="module")
def real() -> tuple[Built, dict[str, NationalRecord]]:
    records, bad = read_national(NATIONAL)
    assert not bad
    successors = load_source_edits(REPO_ROOT / "knowledge_base").successors
    built = build(read_province(PROVINCE), records, DATA_DATE, successors)
    return built, {r.ma_thu_tuc: r for r in records}


def _fee_texts(procedure) -> str:
    return " ".join(f"{c.fee or ''} {c.fee_note or ''} {c.note or ''}" for c in procedure.channels)


@needs_data
def test_member_change_answers_from_its_own_record_never_the_forgery_one(real):
    built, records = real
    procedure = built.procedures["2.002008"]
    forgery = {d.name for d in details(records["2.002008"]).documents}
    assert not forgery & {d.name for d in procedure.documents}
    assert procedure.links.national == details(records["2.002011"]).link
    assert procedure.documents == details(records["2.002011"]).documents
    assert "100.000" in _fee_texts(procedure)


@needs_data
def test_rename_answers_from_the_record_that_lists_it(real):
    built, records = real
    procedure = built.procedures["1.005169"]
    wrong = details(records["1.005169"])
    assert procedure.links.national != wrong.link
    assert not {d.name for d in wrong.documents} & {d.name for d in procedure.documents}
    assert procedure.links.national == details(records["2.002041"]).link


@needs_data
def test_report_lists_refused_retargeted_and_doubtful_joins_with_names_and_score(real):
    built, _ = real
    by_action = {}
    for item in built.report:
        by_action.setdefault(item.action, []).append(item)
    refused = {i.code: i.join for i in by_action["refused"]}
    assert {"2.002008", "1.005169"} <= set(refused)
    assert refused["2.002008"].national_name == FORGERY
    assert all(j.score < JOIN_MIN_CONTAINMENT for j in refused.values())
    retargeted = {i.code: i.join.national_code for i in by_action["retargeted"]}
    assert retargeted["2.002008"] == "2.002011"
    assert all(
        JOIN_MIN_CONTAINMENT <= i.join.score < JOIN_DOUBTFUL_BELOW for i in by_action["doubtful"]
    )
    assert all(i.join.provincial_name and i.join.national_name for i in by_action["doubtful"])


@needs_data
def test_every_join_passes_the_name_test_or_is_reported(real):
    built, records = real
    retargeted = {i.code for i in built.report if i.action == "retargeted"}
    by_link = {details(r).link: r for r in records.values() if details(r).link}
    for code, procedure in built.procedures.items():
        if procedure.source != "provincial" or procedure.links.national is None:
            continue
        record = by_link[procedure.links.national]
        if code in retargeted:
            assert clause_score(procedure.name, record.ten_thu_tuc) >= RETARGET_MIN_JACCARD
        else:
            assert record.ma_thu_tuc == code
            assert name_score(procedure.name, record.ten_thu_tuc) >= JOIN_MIN_CONTAINMENT
