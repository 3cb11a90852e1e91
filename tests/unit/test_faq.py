"""FAQ and site models, placeholder rendering, and the committed hand-written FAQ."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from bot.knowledge.check import load_faqs, load_site
from bot.knowledge.faq import Faq, faq_entry
from bot.knowledge.site import Site, SiteFact, UnknownSiteKeyError
from bot.settings import REPO_ROOT

KB_DIR = REPO_ROOT / "knowledge_base"
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
