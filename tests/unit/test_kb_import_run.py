"""The importer end to end over the fixtures: files, answers, staff edits, determinism, stats."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app
from bot.knowledge.loader import KnowledgeBaseError, load_knowledge_base
from bot.knowledge.schema import CuratedQuestion, Procedure
from bot.knowledge.site import Site
from bot.knowledge.source_edits import SOURCE_EDITS_FILE
from bot.knowledge.stats import kb_stats

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCE = ROOT / "tests" / "fixtures" / "source"
SITE = ROOT / "knowledge_base" / "site.yml"
ANSWERS = ROOT / "knowledge_base" / "answers.yml"
DATA_DATE = "2026-05-19"
runner = CliRunner()


def import_args(kb_dir: Path) -> list[str]:
    return [
        "kb",
        "import",
        "--province-csv",
        str(SOURCE / "province.csv"),
        "--national-jsonl",
        str(SOURCE / "national.jsonl"),
        "--data-date",
        DATA_DATE,
        "--kb-dir",
        str(kb_dir),
    ]


def run_import(kb_dir: Path) -> str:
    result = runner.invoke(app, import_args(kb_dir))
    assert result.exit_code == 0, result.output
    return result.output


def snapshot(kb_dir: Path) -> dict[str, bytes]:
    return {
        path.relative_to(kb_dir).as_posix(): path.read_bytes()
        for path in sorted(kb_dir.rglob("*"))
        if path.is_file()
    }


README_MOVE = {"code": "1.002809", "superseded_by": "3.000347", "reason": "Source README."}


def write_source_edits(target: Path, successors: list[dict[str, str]]) -> None:
    (target / SOURCE_EDITS_FILE).write_text(
        yaml.safe_dump({"edits": [], "successors": successors}, allow_unicode=True),
        encoding="utf-8",
    )


def write_import_settings(target: Path) -> None:
    """The files an import reads besides the sources: the province's site facts, the answer
    rules and the staff corrections (no rewordings: the fixture records are not the real ones;
    the README's driving-licence move as the one successor link)."""
    shutil.copy(SITE, target / "site.yml")
    shutil.copy(ANSWERS, target / "answers.yml")
    write_source_edits(target, [README_MOVE])


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    target.mkdir()
    write_import_settings(target)
    run_import(target)
    return target


@pytest.fixture
def kb(kb_dir: Path):
    return load_knowledge_base(kb_dir)


def entry(kb, entry_id: str):
    return next(e for e in kb.entries if e.id == entry_id)


def national_record(code: str) -> dict:
    for line in (SOURCE / "national.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["ma_thu_tuc"] == code:
            return record
    raise KeyError(code)


def test_one_file_per_procedure_with_provenance(kb_dir: Path):
    path = kb_dir / "procedures" / "ho-tich" / "1.001193.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["links"]["province"].endswith("maThuTuc=22578")
    assert data["links"]["national"] == national_record("1.001193")["detail_url"]
    assert data["decision"] == "335/QĐ-UBND"
    assert data["national_decision"] == national_record("1.001193")["so_quyet_dinh"]
    assert str(data["data_date"]) == DATA_DATE
    assert "Đăng ký khai sinh" in path.read_text(encoding="utf-8")  # unicode, not escaped


def test_khai_sinh_matches_the_national_record(kb):
    proc = kb.procedures["1.001193"]
    record = national_record("1.001193")
    assert {c.kind for c in proc.channels} == {"truc_tuyen", "truc_tiep", "buu_chinh"}
    assert all(c.fee == "Miễn phí" and c.time == "1" for c in proc.channels)  # no unit guessed
    birth = next(d for d in proc.documents if d.name.startswith("Giấy chứng sinh"))
    assert birth.copies == "1 bản chính"
    assert birth.name in record["thanh_phan_ho_so"]
    numbers = [ref.number for ref in proc.legal_basis]
    assert {"123/2015/NĐ-CP", "60/2014/QH13", "87/2020/NĐ-CP"} <= set(numbers)
    assert all(number in record["can_cu_phap_ly"] for number in numbers)
    assert proc.result == "Giấy khai sinh"


def test_answers_are_grounded(kb):
    documents = entry(kb, "1.001193:ho_so").answer
    assert documents.startswith("Dạ, hồ sơ Đăng ký khai sinh (mã 1.001193) gồm:")
    assert "Giấy chứng sinh" in documents
    assert "maThuTuc=22578" in documents
    assert "19/05/2026" in documents
    legal = entry(kb, "1.001193:can_cu").answer
    assert "123/2015/NĐ-CP" in legal
    fees = entry(kb, "1.001193:le_phi").answer
    assert "Nộp trực tuyến, qua dịch vụ bưu chính hoặc trực tiếp: Miễn phí" in fees


def test_procedure_without_national_details_says_so_and_links_the_portal(kb):
    proc = kb.procedures["1.009832"]
    assert proc.links.national is None
    assert not proc.has_details
    answer = entry(kb, "1.012990:ho_so")
    assert not answer.has_facts
    assert "chưa có thông tin" in answer.answer
    assert "maThuTuc=38044" in answer.answer
    assert entry(kb, "1.012990:tong_quan").has_facts


def test_local_level_variant_is_preferred(kb):
    assert kb.procedures["1.014061"].preferred
    provincial = kb.procedures["2.000200"]
    assert not provincial.preferred
    assert provincial.variant_of == "1.014061"
    assert not entry(kb, "2.000200:ho_so").preferred


def test_ministry_only_records_stay_out_but_answer_politely(kb):
    assert "1.001247" not in kb.procedures
    assert "1.000381" not in kb.procedures
    central = {item.code for item in kb.central.procedures}
    assert {"1.001247", "1.000381"} <= central
    answer = entry(kb, "1.000381:tong_quan")
    assert "cơ quan trung ương" in answer.answer
    assert "dichvucong.gov.vn" in answer.answer


def test_national_records_done_locally_are_included(kb):
    police = kb.procedures["3.000347"]
    assert police.source == "national"
    assert "Công an" in police.agency
    assert kb.procedures["1.002438"].source == "national"


def test_superseded_procedure_answers_from_the_newer_record(kb):
    old = kb.procedures["1.002809"]
    assert old.superseded_by == "3.000347"
    assert kb.procedures["3.000347"].supersedes == ["1.002809"]
    answer = entry(kb, "1.002809:ho_so")
    assert "mã 3.000347" in answer.answer
    assert "em trả lời theo bản công bố mới này" in answer.answer
    assert not answer.preferred


def test_district_notice_comes_from_site_yml(kb, kb_dir: Path):
    notice = Site.model_validate(yaml.safe_load(SITE.read_text(encoding="utf-8")))
    text = notice.notices.district_abolished
    district = entry(kb, "2.000908:tong_quan")
    assert "cấp huyện" in district.answer
    assert district.district_notice
    assert text in district.answer
    assert text not in entry(kb, "1.014061:tong_quan").answer
    assert kb_stats(kb).answers_with_district_notice > 0


def test_stats_json_has_every_key(kb_dir: Path):
    result = runner.invoke(app, ["kb", "stats", "--json", "--kb-dir", str(kb_dir)])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert set(stats) == {
        "procedures",
        "entries",
        "faq",
        "procedures_with_details",
        "entries_with_facts",
        "procedures_national",
        "answers_with_district_notice",
        "questions",
        "procedures_with_questions",
        "questions_with_topic",
    }
    kb = load_knowledge_base(kb_dir)
    procedures = kb.procedures.values()
    assert stats["questions"] == sum(len(p.questions) for p in procedures) + sum(
        len(f.questions) for f in kb.faqs
    )
    assert stats["procedures_with_questions"] == sum(bool(p.questions) for p in procedures)
    assert stats["procedures"] == len(kb.procedures)
    assert stats["entries"] == len(kb.entries)
    assert stats["procedures_national"] == sum(
        p.source == "national" for p in kb.procedures.values()
    )


def test_reimport_keeps_staff_edits_and_reports_changes(kb_dir: Path):
    path = kb_dir / "procedures" / "ho-tich" / "1.001193.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["questions"] = ["đi khai sinh cho cháu", {"ho_so": "khai sinh cho cháu mang theo gì"}]
    data["overrides"] = {
        "channels": [{"kind": "truc_tiep", "time": "Trong ngày", "fee": "8.000 đồng"}],
        "checked_date": "2026-06-01",
    }
    data["name"] = "Tên bị sửa nhầm ở mục không được sửa"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    output = run_import(kb_dir)
    assert "1.001193.yml (name)" in output
    kept = Procedure.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert kept.name == "Đăng ký khai sinh"
    assert kept.questions == [
        CuratedQuestion(text="đi khai sinh cho cháu"),
        CuratedQuestion(text="khai sinh cho cháu mang theo gì", topic="ho_so"),
    ]
    assert kept.overrides is not None
    kb = load_knowledge_base(kb_dir)
    fee = entry(kb, "1.001193:le_phi").answer
    assert "Nộp trực tiếp: 8.000 đồng" in fee
    assert "01/06/2026" in fee


def test_import_is_deterministic(kb_dir: Path, tmp_path: Path):
    first = snapshot(kb_dir)
    output = run_import(kb_dir)
    assert " 0 thay đổi" in output
    assert snapshot(kb_dir) == first
    other = tmp_path / "other"
    other.mkdir()
    write_import_settings(other)
    run_import(other)
    assert snapshot(other) == first


def test_import_report_lists_every_problem(kb_dir: Path):
    report = json.loads((kb_dir / "import-report.json").read_text(encoding="utf-8"))
    assert report["data_date"] == DATA_DATE
    actions = {item["action"] for item in report["items"]}
    assert {"skipped", "repaired", "ambiguous", "merged", "note"} <= actions
    assert report["sources"]["province_csv"]["rows"] == 20
    assert "/" not in report["sources"]["province_csv"]["file"]


def test_json_schema_is_published(kb_dir: Path):
    schema = json.loads((kb_dir / "schema" / "procedure.schema.json").read_text(encoding="utf-8"))
    assert schema["title"] == "Procedure"
    assert {"code", "name", "channels", "questions", "overrides"} <= set(schema["properties"])


def test_broken_file_stops_the_import_and_loses_nothing(kb_dir: Path):
    path = kb_dir / "procedures" / "ho-tich" / "1.001193.yml"
    broken = path.read_text(encoding="utf-8").replace("source: provincial", "source: [")
    path.write_text(broken, encoding="utf-8")
    before = snapshot(kb_dir)
    result = runner.invoke(app, import_args(kb_dir))
    assert result.exit_code == 1
    assert "1.001193.yml" in result.output
    assert snapshot(kb_dir) == before
    with pytest.raises(KnowledgeBaseError, match=r"1\.001193\.yml"):
        load_knowledge_base(kb_dir)


@pytest.mark.parametrize(
    ("link", "message"),
    [
        (
            {**README_MOVE, "superseded_by": "1.999999"},
            "1.999999 is not an imported national record",
        ),
        (
            {**README_MOVE, "code": "1.001193"},
            "1.001193: not a provincial procedure left without its national record",
        ),
        ({**README_MOVE, "code": "3.000347", "superseded_by": "1.002438"}, "3.000347: not a"),
    ],
)
def test_a_successor_link_that_no_longer_fits_stops_the_import(
    kb_dir: Path, link: dict[str, str], message: str
):
    write_source_edits(kb_dir, [link])
    before = snapshot(kb_dir)
    result = runner.invoke(app, import_args(kb_dir))
    assert result.exit_code == 1
    said = " ".join(result.output.split())  # the console wraps long lines
    assert message in said
    assert "review the link" in said
    assert snapshot(kb_dir) == before


def test_a_procedure_linked_to_two_successors_is_refused(kb_dir: Path):
    write_source_edits(kb_dir, [README_MOVE, {**README_MOVE, "superseded_by": "1.002438"}])
    before = snapshot(kb_dir)
    result = runner.invoke(app, import_args(kb_dir))
    assert result.exit_code == 1
    assert "linked twice: 1.002809" in " ".join(result.output.split())
    assert snapshot(kb_dir) == before


def test_cached_load_matches_and_follows_edits(kb_dir: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    fresh = load_knowledge_base(kb_dir, cache_dir=cache)
    cached = load_knowledge_base(kb_dir, cache_dir=cache)
    assert cached.entries == fresh.entries
    assert cached.content_hash() == fresh.content_hash()
    path = kb_dir / "procedures" / "ho-tich" / "1.001193.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "questions: []", "questions:\n- khai sinh cho con"
        ),
        encoding="utf-8",
    )
    edited = load_knowledge_base(kb_dir, cache_dir=cache)
    assert edited.content_hash() != fresh.content_hash()
    assert [q.text for q in edited.procedures["1.001193"].questions] == ["khai sinh cho con"]
    assert len(list(cache.glob("*.pickle"))) == 1
