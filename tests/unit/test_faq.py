"""FAQ and site models, placeholder rendering, and the committed hand-written FAQ."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.knowledge.check import check_knowledge_base, load_faqs, load_site
from bot.knowledge.faq import Faq, FaqSource, faq_entry
from bot.knowledge.site import Site, SiteFact, UnknownSiteKeyError
from bot.settings import REPO_ROOT

KB_DIR = REPO_ROOT / "knowledge_base"
BASE_KB = Path(__file__).resolve().parent.parent / "fixtures" / "broken" / "base"
DECREE = {"document": "118/2025/NĐ-CP", "title": "Nghị định về thực hiện thủ tục hành chính"}
# Claims the audit of issue 15 found unsupported by any source; they must not come back.
REMOVED_CLAIMS = {
    "nop_khong_phu_thuoc_dia_gioi": ["đang mở rộng"],
    "chung_thuc_dien_tu": ["Cấp bản sao điện tử được chứng thực từ bản chính"],
    "khong_nhan_otp": ["1–2 phút", "1-2 phút"],
    "loi_thanh_toan": ["15–30 phút", "15-30 phút", "sau một ngày làm việc"],
    "cach_tinh_thoi_han": ["tính cả ngày nghỉ"],
    "ho_tro_nguoi_yeu_the": ["được ưu tiên", "tại nhà"],
    "to_cong_nghe_so": ["đoàn viên thanh niên", "Tổ công nghệ số cộng đồng ở thôn"],
    "ngon_ngu_dan_toc": ["tiếng địa phương", "người phiên dịch"],
    "giay_to_sau_sap_xep": ["do cơ quan Công an cập nhật theo đơn vị hành chính mới"],
}
REQUIRED_IDS = {
    "tai_khoan",
    "dang_nhap_vneid",
    "nop_truc_tuyen",
    "thanh_toan_truc_tuyen",
    "tra_cuu_ho_so",
    "muc_do_dvc",
    "duong_day_nong",
    "gio_lam_viec",
    "bo_sung_ho_so",
    "nhan_ket_qua",
    "phan_anh_kien_nghi",
}


def _site_with_portal() -> Site:
    site = _site().model_dump()
    site["facts"]["national_portal_url"] = _fact(
        label="Cổng quốc gia",
        value="https://dichvucong.gov.vn",
        confirmed_text="Cổng Dịch vụ công quốc gia ({value})",
        fallback_text="Cổng Dịch vụ công quốc gia",
    )
    return Site.model_validate(site)


def _fact(**changes: Any) -> dict[str, Any]:
    fact = {
        "label": "Đường dây nóng",
        "value": "0205 000 000",
        "confirmed": False,
        "checked_at": None,
        "confirmed_text": "số {value}",
        "fallback_text": "số được công bố trên Cổng Dịch vụ công",
    }
    return {**fact, **changes}


def _site(**hotline: Any) -> Site:
    return Site.model_validate(
        {"facts": {"hotline": _fact(**hotline)}, "notices": {"district_abolished": "Lưu ý."}}
    )


def _faq(**changes: Any) -> dict[str, Any]:
    faq = {
        "id": "duong_day_nong",
        "title": "Đường dây nóng",
        "questions": ["Số đường dây nóng?", "so duong day nong"],
        "answer": "Dạ, anh/chị gọi {site.hotline} để được hỗ trợ.",
        "tags": ["lien_he"],
        "reviewed": False,
        "reviewed_at": None,
        "updated_at": dt.date(2026, 11, 26),
    }
    return {**faq, **changes}


def test_unconfirmed_fact_renders_its_fallback_not_its_value() -> None:
    rendered = _site().render("Gọi {site.hotline}.")
    assert rendered == "Gọi số được công bố trên Cổng Dịch vụ công."


def test_confirmed_fact_renders_its_value() -> None:
    site = _site(confirmed=True, checked_at=dt.date(2026, 11, 20))
    assert site.render("Gọi {site.hotline}.") == "Gọi số 0205 000 000."


def test_unknown_placeholder_is_an_error() -> None:
    site = _site()
    assert site.unknown_keys("{site.hotline} {site.dia_chi}") == ["dia_chi"]
    with pytest.raises(UnknownSiteKeyError):
        site.render("Đến {site.dia_chi}.")


@pytest.mark.parametrize(
    "changes",
    [
        {"confirmed": True, "value": None, "checked_at": dt.date(2026, 11, 20)},
        {"confirmed": True, "checked_at": None},
        {"confirmed_text": "số đường dây nóng"},
        {"fallback_text": "xem {site.portal_url}"},
        {"confirmed": "yes"},
        {"phone": "0205"},
    ],
    ids=["confirmed-no-value", "confirmed-no-date", "no-value-slot", "nested", "str-bool", "extra"],
)
def test_invalid_site_fact_is_rejected(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        SiteFact.model_validate(_fact(**changes))


@pytest.mark.parametrize(
    "changes",
    [
        {"reviewed": True},
        {"reviewed_at": dt.date(2026, 11, 26)},
        {"id": "Đường dây nóng"},
        {"questions": ["chỉ một câu"]},
        {"questions": ["câu một", "  "]},
        {"reviewed": "no"},
        {"answers": "thừa"},
    ],
    ids=[
        "reviewed-no-date",
        "date-not-reviewed",
        "bad-id",
        "one-question",
        "blank",
        "str",
        "extra",
    ],
)
def test_invalid_faq_is_rejected(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Faq.model_validate(_faq(**changes))


def test_faq_entry_is_grounded_and_rendered() -> None:
    faq = Faq.model_validate(
        _faq(reviewed=True, reviewed_at=dt.date(2026, 12, 1), updated_at=dt.date(2026, 11, 26))
    )
    entry = faq_entry(faq, _site())
    assert (entry.id, entry.kind, entry.topic, entry.procedure) == (
        "faq:duong_day_nong",
        "faq",
        None,
        None,
    )
    assert entry.questions == faq.questions
    assert "0205 000 000" not in entry.answer
    assert "số được công bố trên Cổng Dịch vụ công" in entry.answer
    assert "01/12/2026" in entry.answer


def test_committed_faq_covers_the_required_questions() -> None:
    faqs = load_faqs(KB_DIR)
    ids = [faq.id for faq in faqs]
    assert len(ids) >= 45
    assert len(set(ids)) == len(ids)
    assert set(ids) >= REQUIRED_IDS


def test_committed_faq_is_polite_reviewable_and_typed_many_ways() -> None:
    for faq in load_faqs(KB_DIR):
        assert faq.answer.startswith("Dạ,"), faq.id
        assert faq.reviewed or faq.reviewed_at is None, faq.id
        assert any(q.isascii() for q in faq.questions), f"{faq.id}: no question without accents"
        assert any(not q.isascii() for q in faq.questions), f"{faq.id}: no question with accents"


def test_committed_answers_never_state_an_unconfirmed_fact() -> None:
    site = load_site(KB_DIR)
    hidden = [f.value for f in site.facts.values() if not f.confirmed and f.value]
    assert site.notices.district_abolished
    for faq in load_faqs(KB_DIR):
        answer = faq_entry(faq, site).answer
        assert "{site." not in answer, faq.id
        assert not [value for value in hidden if value in answer], faq.id


@pytest.mark.parametrize(
    "source",
    [
        {},
        {"document": "118/2025/NĐ-CP"},
        {"document": "Nghị định 118", "title": "Nghị định về một cửa"},
        {"procedure": "2.000815", "document": "118/2025/NĐ-CP", "title": "Hai loại"},
        {"procedure": "2000815", "title": "Chứng thực bản sao"},
        {"site": "national_portal_url", "title": "Thừa tên"},
        {"url": "dichvucong.gov.vn", "title": "Cổng"},
    ],
    ids=["empty", "no-title", "bad-number", "two-kinds", "bad-code", "site-title", "bad-url"],
)
def test_invalid_source_is_rejected(source: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        FaqSource.model_validate(source)


def test_rendered_answer_cites_its_sources() -> None:
    faq = Faq.model_validate(
        _faq(
            sources=[
                DECREE,
                {"procedure": "2.000815", "title": "Chứng thực bản sao từ bản chính"},
                {"site": "national_portal_url"},
                {"url": "https://dichvucong.gov.vn/p/huong-dan", "title": "Trang hướng dẫn"},
            ]
        )
    )
    lines = faq_entry(faq, _site_with_portal()).answer.splitlines()
    assert "Căn cứ: Nghị định về thực hiện thủ tục hành chính (118/2025/NĐ-CP)." in lines
    assert (
        'Nguồn: thủ tục "Chứng thực bản sao từ bản chính" (mã 2.000815); Cổng Dịch vụ công '
        "quốc gia; Trang hướng dẫn (https://dichvucong.gov.vn/p/huong-dan)." in lines
    )
    assert lines[-1].startswith("(Thông tin hướng dẫn chung")


def test_answer_without_sources_has_no_source_line() -> None:
    answer = faq_entry(Faq.model_validate(_faq()), _site()).answer
    assert "Căn cứ:" not in answer
    assert "Nguồn:" not in answer


def test_check_warns_on_faq_without_sources(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(BASE_KB, kb_dir)
    path = kb_dir / "faq" / "khong_nguon.yml"
    path.write_text(
        "theme: Câu hỏi chưa ghi nguồn\n"
        "faqs:\n"
        "  - id: nhan_ket_qua\n"
        "    title: Nhận kết quả\n"
        "    questions: [Nhận kết quả ở đâu?, nhan ket qua]\n"
        "    answer: Dạ, anh/chị nhận kết quả tại nơi đã nộp hồ sơ.\n"
        "    tags: [nhan_ket_qua]\n"
        "    sources:\n"
        "      - procedure: '9.999999'\n"
        "        title: Thủ tục không có\n"
        "    reviewed: false\n"
        "    reviewed_at: null\n"
        "    updated_at: 2026-12-04\n"
        "  - id: rut_ho_so\n"
        "    title: Rút hồ sơ\n"
        "    questions: [Rút hồ sơ được không?, rut ho so]\n"
        "    answer: Dạ, anh/chị gửi đề nghị rút hồ sơ tới nơi đã nộp.\n"
        "    tags: [rut_ho_so]\n"
        "    reviewed: false\n"
        "    reviewed_at: null\n"
        "    updated_at: 2026-12-04\n",
        encoding="utf-8",
    )

    report = check_knowledge_base(kb_dir)

    found = {
        (p.line, p.column, p.severity, p.message) for p in report.problems if p.file == str(path)
    }
    assert found == {
        (9, 9, "warning", "nguồn trỏ tới thủ tục 9.999999 không có trong cơ sở tri thức"),
        (14, 5, "warning", "câu hỏi 'rut_ho_so' chưa ghi nguồn (sources:)"),
    }
    assert report.errors == []


def test_committed_faq_all_cite_sources() -> None:
    site = load_site(KB_DIR)
    for faq in load_faqs(KB_DIR):
        assert faq.sources, f"{faq.id}: no sources"
        assert not faq.reviewed, f"{faq.id}: only a civil servant marks an answer reviewed"
        answer = faq_entry(faq, site).answer
        assert "\nCăn cứ: " in answer or "\nNguồn: " in answer, faq.id


def test_committed_faq_cite_the_source_of_each_legal_claim() -> None:
    faqs = {faq.id: faq for faq in load_faqs(KB_DIR)}
    cited = {
        faq_id: {s.document or s.procedure for s in faq.sources} for faq_id, faq in faqs.items()
    }
    assert "23/2015/NĐ-CP" in cited["ban_sao_va_ban_chup"]
    assert {"23/2015/NĐ-CP", "2.000815"} <= cited["chung_thuc_dien_tu"]
    assert "04/2020/TT-BTP" in cited["uy_quyen_nop_ho_so"]
    assert "45/2019/QH14" in cited["cach_tinh_thoi_han"]
    assert "60/2014/QH13" in cited["mien_giam_le_phi"]
    assert "118/2025/NĐ-CP" in cited["nop_khong_phu_thuoc_dia_gioi"]
    assert "190/2025/QH15" in cited["giay_to_sau_sap_xep"]


def test_committed_faq_no_longer_state_the_unsupported_claims() -> None:
    site = load_site(KB_DIR)
    faqs = {faq.id: faq_entry(faq, site).answer for faq in load_faqs(KB_DIR)}
    for faq_id, phrases in REMOVED_CLAIMS.items():
        for phrase in phrases:
            assert phrase not in faqs[faq_id], f"{faq_id}: {phrase!r}"
    assert "không tính thứ Bảy, Chủ nhật và các ngày nghỉ lễ, Tết" in faqs["cach_tinh_thoi_han"]
