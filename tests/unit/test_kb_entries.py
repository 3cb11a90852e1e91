"""How a procedure's facts read in its answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.knowledge.answer_rules import AnswerRules
from bot.knowledge.documents import MAX_DOCUMENTS, is_form
from bot.knowledge.entries import procedure_entries
from bot.knowledge.loader import SITE_FILE, load_answer_rules, load_procedures, parse_file
from bot.knowledge.schema import Document, LegalRef, Links, Overrides, Procedure
from bot.knowledge.site import Site

REPO_KB = Path(__file__).resolve().parents[2] / "knowledge_base"
RULES: AnswerRules = load_answer_rules(REPO_KB, parse_file(REPO_KB / SITE_FILE, Site))
NOTICE = RULES.district_notice or ""
NATIONAL_LINK = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/x"


def _procedure(**fields: object) -> Procedure:
    base: dict[str, object] = {
        "code": "1.000775",
        "name": "Cấp giấy phép thử",
        "field": "Thử nghiệm",
        "source": "national",
        "data_date": dt.date(2026, 5, 19),
        "links": Links(national=NATIONAL_LINK),
    }
    return Procedure.model_validate({**base, **fields})


def _answers(procedure: Procedure, superseding: Procedure | None = None) -> dict[str, str]:
    return {e.topic or "": e.answer for e in procedure_entries(procedure, RULES, superseding)}


def test_documents_everyone_submits_come_before_special_cases() -> None:
    procedure = _procedure(
        code="1.001193",
        name="Đăng ký khai sinh",
        documents=[
            Document(name="Trường hợp trẻ em bị bỏ rơi thì phải có biên bản", copies="1 bản chính"),
            Document(name="Trường hợp đã nộp bản điện tử thì không phải nộp bản giấy."),
            Document(name="Tờ khai đăng ký khai sinh", copies="1 bản chính", form="Mẫu TK.doc"),
            Document(name="Giấy chứng sinh", copies="1 bản chính"),
        ],
    )
    answer = _answers(procedure)["ho_so"]
    order = [answer.index(text) for text in ("Tờ khai", "Giấy chứng sinh", "bỏ rơi", "bản điện tử")]
    assert order == sorted(order)


def test_every_answer_of_a_district_level_procedure_carries_the_notice() -> None:
    district = _procedure(
        name="Tặng giấy khen của Chủ tịch UBND cấp huyện về thành tích đột xuất",
        source="provincial",
        province_codes=["1.000775.000.00.00.H37"],
        links=Links(),
    )
    entries = procedure_entries(district, RULES)
    assert entries and all(e.district_notice and NOTICE in e.answer for e in entries)
    plain = district.model_copy(update={"name": "Tặng giấy khen của Chủ tịch UBND cấp xã"})
    assert not any(e.district_notice for e in procedure_entries(plain, RULES))


def test_a_superseded_district_record_says_so_with_the_notice() -> None:
    old = _procedure(
        code="1.003605",
        name="Phê duyệt kế hoạch khuyến nông địa phương (cấp huyện)",
        source="provincial",
        province_codes=["1.003605.000.00.00.H37"],
        links=Links(),
        superseded_by="1.003618",
    )
    new = _procedure(code="1.003618", name="Phê duyệt kế hoạch khuyến nông địa phương")
    answers = _answers(old, new)
    assert all(NOTICE in answer and "(cấp huyện)" in answer for answer in answers.values())


def test_district_words_that_name_no_body_get_no_notice() -> None:
    for words in (
        "Hỗ trợ đầu tư trên địa bàn các huyện nghèo",
        "Cấp phép thi công trên đường huyện",
        "Nộp tại số 1 phố Điện Biên Phủ, quận Ba Đình",
        "Đối tượng thay đổi nơi cư trú giữa các quận, huyện",
    ):
        procedure = _procedure(agency="Sở Tài chính", result=words, conditions=[words])
        assert not any(e.district_notice for e in procedure_entries(procedure, RULES)), words
    body = _procedure(steps=["Nộp hồ sơ tại Ủy ban nhân dân huyện nơi cư trú."])
    assert NOTICE in _answers(body)["trinh_tu"]
    assert NOTICE not in _answers(body)["ho_so"]


def test_another_provinces_offices_become_lang_son_ones() -> None:
    procedure = _procedure(
        agency="Kho bạc Nhà nước khu vực, Sở Tư pháp Thành phố Hà Nội",
        address="Bộ phận Một cửa Cơ quan Bộ Xây dựng, địa chỉ: tầng 1, số 65 Quán Sứ, "
        "Phường Cửa Nam, Thành phố Hà Nội",
        steps=[
            "Cục Hàng hải và Đường thủy Việt Nam, Sở Xây dựng, Sở Giao thông công chánh TP Hồ "
            "Chí Minh thẩm định hồ sơ.",
            "Ngân hàng Nhà nước chi nhánh thành phố Hồ Chí Minh trả kết quả.",
        ],
        legal_basis=[LegalRef(title="Nghị quyết thí điểm cho chính quyền Thành phố Hồ Chí Minh")],
    )
    answers = _answers(procedure)
    assert "Kho bạc Nhà nước khu vực, Sở Tư pháp tỉnh Lạng Sơn giải quyết" in answers["noi_nop"]
    assert "Địa chỉ tiếp nhận: Bộ phận Một cửa Cơ quan Bộ Xây dựng." in answers["noi_nop"]
    steps = answers["trinh_tu"]
    assert "Cục Hàng hải và Đường thủy Việt Nam, Sở Xây dựng thẩm định" in steps
    assert "cơ quan có thẩm quyền tại tỉnh Lạng Sơn (tra cứu trên Cổng Dịch vụ công" in steps
    for topic, answer in answers.items():
        if topic != "can_cu":
            assert "Hà Nội" not in answer and "Hồ Chí Minh" not in answer, topic
    assert "Thành phố Hồ Chí Minh" in answers["can_cu"]


def test_provenance_names_the_source_of_the_facts_and_its_date() -> None:
    national = _answers(_procedure(result="Giấy phép"))
    assert national["ket_qua"].endswith(
        f"Nguồn: Cổng Dịch vụ công quốc gia (dữ liệu ngày 19/05/2026) – {NATIONAL_LINK}"
    )
    listed = _procedure(
        source="provincial",
        province_codes=["1.000775.000.00.00.H37"],
        links=Links(province="http://dichvucong.langson.gov.vn/x"),
    )
    for answer in _answers(listed).values():
        assert answer.count("Nguồn:") == 1
        assert "danh mục thủ tục hành chính tỉnh Lạng Sơn (công bố trước ngày 01/07/2025)" in answer
        assert "2026" not in answer
    checked = _procedure(result="Giấy phép", overrides=Overrides(checked_date=dt.date(2026, 6, 1)))
    assert (
        "Cổng Dịch vụ công quốc gia (cán bộ kiểm tra lại ngày 01/06/2026)"
        in (_answers(checked)["ket_qua"])
    )


def _with_documents(documents: list[Document], code: str = "1.000001") -> Procedure:
    return Procedure(
        code=code,
        name="Thủ tục thử",
        field="Hộ tịch",
        source="national",
        data_date=dt.date(2026, 5, 19),
        documents=documents,
    )


def _documents_answer(procedure: Procedure) -> str:
    return next(e.answer for e in procedure_entries(procedure, RULES) if e.topic == "ho_so")


def _blocks(answer: str) -> list[list[str]]:
    """The item lines of an answer, per heading (a heading is a line ending with ":")."""
    blocks: list[list[str]] = [[]]
    for line in answer.splitlines():
        if line.startswith("- "):
            blocks[-1].append(line)
        elif line.strip():
            blocks.append([])
    return [block for block in blocks if block]


def test_the_application_form_comes_first() -> None:
    answer = _documents_answer(
        _with_documents(
            [
                Document(name="Giấy chứng sinh", copies="1 bản chính"),
                Document(name="Văn bản ủy quyền", copies="1 bản chính"),
                Document(name="Tờ khai đăng ký khai sinh", copies="1 bản chính", form="TK.doc"),
            ]
        )
    )
    assert _blocks(answer) == [
        [
            "- Tờ khai đăng ký khai sinh (1 bản chính; mẫu: TK.doc)",
            "- Giấy chứng sinh (1 bản chính)",
            "- Văn bản ủy quyền (1 bản chính)",
        ]
    ]


def test_special_cases_sit_under_their_own_heading_after_everyones_documents() -> None:
    submit, show = "Giấy tờ phải nộp", "Giấy tờ phải xuất trình"
    proxy = "Trường hợp ủy quyền thực hiện thủ tục"
    answer = _documents_answer(
        _with_documents(
            [
                Document(
                    name="Trường hợp trẻ bị bỏ rơi: biên bản", copies="1 bản chính", group=submit
                ),
                Document(name="Giấy chứng sinh", copies="1 bản chính", group=submit),
                Document(name="Văn bản ủy quyền", copies="1 bản chính", group=proxy),
                Document(name="Lưu ý: không phải nộp bản sao", group=submit),
                Document(name="Nếu gửi qua bưu chính thì gửi bản sao", group=show),
                Document(name="Giấy tờ tùy thân", copies="1 bản chính", group=show),
            ]
        )
    )
    headings = [
        f"{submit}:",
        f"{show}:",
        f"Trường hợp riêng – {submit}:",
        f"Trường hợp riêng – {show}:",
        f"{proxy}:",
        "Lưu ý:",
    ]
    positions = [answer.index(f"\n{heading}\n") for heading in headings]
    assert positions == sorted(positions)
    assert _blocks(answer) == [
        ["- Giấy chứng sinh (1 bản chính)"],
        ["- Giấy tờ tùy thân (1 bản chính)"],
        ["- Trường hợp trẻ bị bỏ rơi: biên bản (1 bản chính)"],
        ["- Nếu gửi qua bưu chính thì gửi bản sao"],
        ["- Văn bản ủy quyền (1 bản chính)"],
        ["- Lưu ý: không phải nộp bản sao"],
    ]


def test_repeated_rows_are_shown_once_with_all_they_say() -> None:
    answer = _documents_answer(
        _with_documents(
            [
                Document(
                    name="Giấy đề nghị cấp giấy phép theo mẫu", copies="1 bản chính", form="TM.docx"
                ),
                Document(name="Giấy đề nghị cấp giấy phép theo mẫu", form="phi TM.docx"),
                Document(name="Giấy đăng ký xe", copies="1 bản sao"),
                Document(name="giấy  đăng ký xe.", copies="1 bản sao"),
                Document(name="Giấy đăng ký xe", copies="1 bản chính"),
            ]
        )
    )
    assert _blocks(answer) == [
        [
            "- Giấy đề nghị cấp giấy phép theo mẫu (1 bản chính; mẫu: TM.docx, phi TM.docx)",
            "- Giấy đăng ký xe (1 bản sao)",
            "- Giấy đăng ký xe (1 bản chính)",
        ]
    ]


def test_the_identity_card_record_lists_its_form_once_and_first() -> None:
    procedure = load_procedures(REPO_KB)["1.014062"]
    assert sum(d.name.startswith("Phiếu CC01") for d in procedure.documents) == 2
    (lines,) = _blocks(_documents_answer(procedure))
    assert lines[0].startswith("- Phiếu đề nghị giải quyết thủ tục về căn cước (Mẫu DC02")
    assert sum("Phiếu CC01" in line for line in lines) == 1
    assert len(lines) == 3
    assert "Trang thủ tục còn" not in _documents_answer(procedure)


def test_a_long_list_opens_with_a_summary_of_what_everyone_brings() -> None:
    documents = [
        Document(name="Tờ khai đăng ký theo mẫu (nếu nộp trực tiếp)", copies="1 bản chính"),
        Document(
            name="Giấy chứng sinh; trường hợp không có thì nộp giấy cam đoan", copies="1 bản chính"
        ),
        Document(name="Giấy tờ tùy thân", copies="1 bản chính"),
        Document(name="Trường hợp ủy quyền: văn bản ủy quyền", copies="1 bản chính"),
        Document(name="Trường hợp trẻ bị bỏ rơi: biên bản", copies="1 bản chính"),
        Document(name="Đối với trẻ sinh ở nước ngoài: giấy tờ chứng minh", copies="1 bản sao"),
    ]
    answer = _documents_answer(_with_documents(documents))
    summary = "Anh/chị cần chuẩn bị: Tờ khai đăng ký; Giấy chứng sinh; Giấy tờ tùy thân."
    assert summary in answer
    assert answer.index(summary) < answer.index("- Tờ khai đăng ký")
    short = _documents_answer(_with_documents(documents[:5]))
    assert "Anh/chị cần chuẩn bị" not in short


def test_the_count_of_what_is_left_out_is_true() -> None:
    everyone = [Document(name=f"Giấy tờ số {i}", copies="1 bản chính") for i in range(1, 11)]
    cases = [
        Document(name=f"Trường hợp {i}: giấy xác nhận", copies="1 bản chính") for i in range(5)
    ]
    notes = [Document(name=f"Lưu ý số {i}", group="Lưu ý") for i in range(3)]
    repeated = [Document(name="giấy tờ số 1", copies="1 bản chính"), cases[0]]
    answer = _documents_answer(_with_documents([*everyone, *repeated, *cases, *notes]))
    shown = sum(len(block) for block in _blocks(answer))
    assert shown == MAX_DOCUMENTS
    assert "Trang thủ tục còn 3 mục cho các trường hợp riêng và 3 lưu ý;" in answer
    assert shown + 3 + 3 == len(everyone) + len(cases) + len(notes)


def test_every_documents_answer_of_the_knowledge_base_reads_in_order() -> None:
    procedures = load_procedures(REPO_KB)
    checked = 0
    for code, procedure in procedures.items():
        if not procedure.effective().documents:
            continue
        checked += 1
        for block in _blocks(_documents_answer(procedure)):
            assert len(block) == len(set(block)), (code, block)
            items = [line for line in block if not line.endswith(":")]
            if any(is_form(line[2:]) for line in items):
                assert is_form(items[0][2:]), (code, items)
    assert checked > 1000
