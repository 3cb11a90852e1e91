"""Checks over every rendered answer of the committed knowledge base (issue 15).

Every answer naming a district-level body carries the notice; none names an office or a street
address of Hà Nội or Hồ Chí Minh City (legal titles, in the ``can_cu`` answers, may name them);
each ends with exactly one provenance line naming its real source.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.knowledge.loader import KnowledgeBase, load_knowledge_base
from bot.knowledge.schema import Entry

REPO_KB = Path(__file__).resolve().parents[2] / "knowledge_base"
# Written here, independently of answers.yml: what a reader takes for a district-level body.
DISTRICT_BODIES = re.compile(
    r"ủy ban nhân dân (?:cấp )?huyện|ubnd (?:cấp )?huyện|ubnd quận|cấp huyện|công an huyện",
    re.IGNORECASE,
)
NO_BODY = ("huyện nghèo", "đường huyện")
OTHER_PROVINCE = re.compile(
    r"Hà Nội|Hồ Chí Minh|HCM|quận Cầu Giấy|Lý Thái Tổ|Quán Sứ|Tôn Thất Thuyết",
    re.IGNORECASE,
)
# Mentions that are no office or address: a decoration, an award, the youth union, history.
NOT_OFFICES = (
    "Huân chương Hồ Chí Minh",
    "Giải thưởng Hồ Chí Minh",
    "Đoàn Thanh niên Cộng sản Hồ Chí Minh",
    "Chủ tịch Hồ Chí Minh",
    "chính quyền cũ ở Hà Nội",
    "Thủ đô Hà Nội và Thành phố Hồ Chí Minh",
)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base(REPO_KB)


def _answers(kb: KnowledgeBase) -> list[Entry]:
    return [e for e in kb.entries if e.kind == "procedure"]


def _said(kb: KnowledgeBase, entry: Entry) -> str:
    """The answer without the notice and the provenance line."""
    notice = kb.answer_rules.district_notice or ""
    return entry.answer.rsplit("\n\nNguồn:", 1)[0].replace(notice, "")


def test_every_answer_naming_a_district_body_carries_the_notice(kb: KnowledgeBase) -> None:
    notice = kb.answer_rules.district_notice
    assert notice
    naming = [e for e in _answers(kb) if DISTRICT_BODIES.search(_said(kb, e))]
    assert len(naming) > 500
    missing = [e.id for e in naming if not (e.district_notice and notice in e.answer)]
    assert missing == []


def test_words_that_name_no_district_body_get_no_notice(kb: KnowledgeBase) -> None:
    only_words = []
    for entry in _answers(kb):
        said = _said(kb, entry)
        if not any(words in said for words in NO_BODY):
            continue
        for words in NO_BODY:
            said = said.replace(words, "")
        if not re.search(r"huyện|quận|phòng", said, re.IGNORECASE):
            only_words.append(entry)
    assert only_words  # such answers exist in the knowledge base
    assert [e.id for e in only_words if e.district_notice] == []


def test_no_answer_names_another_provinces_office_or_address(kb: KnowledgeBase) -> None:
    found = []
    for entry in _answers(kb):
        if entry.topic == "can_cu":  # legal titles may name a city (e.g. pilot decentralisation)
            continue
        said = _said(kb, entry)
        for phrase in NOT_OFFICES:
            said = re.sub(re.escape(phrase), "", said, flags=re.IGNORECASE)
        found.extend(f"{entry.id}: {m.group(0)}" for m in OTHER_PROVINCE.finditer(said))
    assert found == []


def test_each_answer_has_one_provenance_line_with_its_source(kb: KnowledgeBase) -> None:
    for entry in kb.entries:
        if entry.kind != "procedure":
            continue
        assert entry.answer.count("Nguồn:") == 1, entry.id
        line = entry.answer.rsplit("\n\n", 1)[1]
        assert line.startswith("Nguồn: "), entry.id
        procedure = kb.procedures.get(entry.procedure or "")
        if procedure is None:  # a ministry-only record of central.yml
            assert "Cổng Dịch vụ công quốc gia (dữ liệu ngày" in line, entry.id
            continue
        current = kb.procedures.get(procedure.superseded_by or "", procedure)
        if not current.has_details and current.source == "provincial":
            assert "danh mục thủ tục hành chính tỉnh Lạng Sơn" in line, entry.id
            assert "Cổng Dịch vụ công quốc gia" not in line, entry.id
        if current.source == "national":
            assert "Cổng Dịch vụ công quốc gia (dữ liệu ngày" in line, entry.id
