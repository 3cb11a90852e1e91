"""Normalisation, synonym rewriting, noise stripping and topic detection of questions."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from bot.knowledge.synonyms import Shorthand, SynonymGroup, SynonymList, load_synonyms
from bot.search.config import DiacriticsConfig, load_search_config
from bot.search.diacritics import DiacriticRestorer
from bot.search.lexical import tokenize
from bot.search.noise import Fillers
from bot.search.normalize import clean, fold, is_accentless, same_word
from bot.search.query import content_syllables
from bot.search.rewrite import Rewriter
from bot.search.topics import NameRuns, detect_topic, strip_name, strip_span

KB_DIR = Path(__file__).parents[2] / "knowledge_base"
FILLERS = Fillers(load_search_config(KB_DIR).fillers)
SYNONYMS = SynonymList(
    synonyms=[
        SynonymGroup(
            canonical="thẻ căn cước",
            terms=["cccd", "căn cước công dân", "thẻ căn cước công dân", "căn cước"],
        ),
        SynonymGroup(canonical="phiếu lý lịch tư pháp", terms=["lltp", "lý lịch tư pháp"]),
        SynonymGroup(canonical="giấy chứng nhận quyền sử dụng đất", terms=["sổ đỏ", "sổ hồng"]),
    ],
    shorthands=[
        Shorthand(short="ko", full="không"),
        Shorthand(short="ntn", full="như thế nào"),
        Shorthand(short="mún", full="muốn"),
    ],
)

# The bigram model an ambiguous shorthand is read by: the knowledge base's texts, here a few.
RESTORER = DiacriticRestorer(
    [
        "Cấp giấy chứng nhận đủ điều kiện sản xuất phân bón",
        "Cơ sở sản xuất cần điều kiện gì",
        "Đăng ký kết hôn có yếu tố nước ngoài",
        "Nộp hồ sơ đăng ký kết hôn ở đâu",
        "Nộp trực tuyến có được không",
        "Làm ở xã có được không",
    ],
    DiacriticsConfig(candidates=8, bigram_weight=0.8),
)


def test_fold_strips_diacritics_case_and_punctuation() -> None:
    assert fold("ĐĂNG KÝ Khai-Sinh, đổi Đất!") == "dang ky khai sinh doi dat"


def test_clean_composes_decomposed_unicode_and_drops_zero_width() -> None:
    decomposed = unicodedata.normalize("NFD", "đăng ký\u200b  kết hôn")
    assert clean(decomposed) == unicodedata.normalize("NFC", "đăng ký kết hôn")


def test_roman_numerals_match_digits() -> None:
    assert tokenize("Cấp Giấy phép khai thác khoáng sản nhóm IV") == tokenize(
        "cap giay phep khai thac khoang san nhom 4"
    )


def test_tokens_are_the_same_with_or_without_diacritics() -> None:
    assert tokenize("xin sổ đỏ") == tokenize("xin so do")
    assert "so_do" in tokenize("xin sổ đỏ")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("lam cccd ntn", "lam thẻ căn cước như thế nào"),
        ("xin Lý Lịch Tư Pháp ko", "xin phiếu lý lịch tư pháp không"),
        ("mún làm sổ hồng", "muốn làm giấy chứng nhận quyền sử dụng đất"),
        ("đổi thẻ căn cước công dân", "đổi thẻ căn cước"),
    ],
)
def test_rewriter_maps_shorthands_and_synonyms(typed: str, expected: str) -> None:
    assert Rewriter(SYNONYMS, RESTORER).rewrite(typed).text == expected


def test_rewriter_keeps_replaced_words_and_leaves_other_words_alone() -> None:
    rewrite = Rewriter(SYNONYMS, RESTORER).rewrite("làm sổ đỏ cho con")
    assert rewrite.replaced == ("sổ đỏ",)
    assert Rewriter(SYNONYMS, RESTORER).rewrite("kon cua toi").text == "kon cua toi"


def test_the_longest_overlapping_term_wins_wherever_it_starts() -> None:
    synonyms = SynonymList(
        synonyms=[
            SynonymGroup(canonical="thủ tục hành chính", terms=["làm giấy tờ", "làm giấy"]),
            SynonymGroup(canonical="đăng ký khai sinh", terms=["giấy khai sinh"]),
        ]
    )
    rewrite = Rewriter(synonyms, RESTORER).rewrite("làm giấy khai sinh cho con, làm giấy tờ ở đâu")
    assert rewrite.text == "làm đăng ký khai sinh cho con, thủ tục hành chính ở đâu"
    assert rewrite.replaced == ("giấy khai sinh", "làm giấy tờ")


def test_a_term_typed_with_other_diacritics_is_another_word() -> None:
    rewriter = Rewriter(SYNONYMS, RESTORER)
    assert rewriter.rewrite("số đó có đúng không").text == "số đó có đúng không"
    assert rewriter.rewrite("sang tên so do ở đâu").text == (
        "sang tên giấy chứng nhận quyền sử dụng đất ở đâu"
    )


def test_customs_import_is_not_household_registration() -> None:
    rewriter = Rewriter(load_synonyms(KB_DIR), RESTORER)
    assert "thường trú" not in rewriter.rewrite("thủ tục nhập khẩu hàng hóa qua cửa khẩu").text
    assert "thường trú" in rewriter.rewrite("nhập khẩu cho con về nhà ông bà").text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("cơ sở đủ đk sản xuất", "cơ sở đủ điều kiện sản xuất"),
        ("đk kết hôn ở đâu", "đăng ký kết hôn ở đâu"),
        ("nop truc tuyen co dk ko", "nop truc tuyen co được không"),
    ],
)
def test_a_shorthand_of_several_meanings_is_read_by_its_neighbours(
    typed: str, expected: str
) -> None:
    synonyms = SynonymList(
        shorthands=[
            Shorthand(short="đk", full=["đăng ký", "điều kiện", "được"]),
            Shorthand(short="ko", full="không"),
        ]
    )
    rewrite = Rewriter(synonyms, RESTORER).rewrite(typed)
    assert rewrite.text == expected
    # The reading may be wrong: the shorthand as typed is matched too; "ko" has one meaning.
    assert rewrite.replaced == (("dk",) if " dk " in typed else ("đk",))


def test_a_shorthand_lists_each_meaning_once() -> None:
    with pytest.raises(ValidationError, match="listed twice"):
        Shorthand(short="đk", full=["đăng ký", "Đăng  ký"])
    with pytest.raises(ValidationError, match="at least one"):
        Shorthand(short="đk", full=[])
    assert Shorthand(short="ko", full="không").meanings == ("không",)


def test_synonym_list_rejects_a_term_mapped_twice() -> None:
    with pytest.raises(ValueError, match="maps to both"):
        SynonymList(
            synonyms=[
                SynonymGroup(canonical="thẻ căn cước", terms=["cccd"]),
                SynonymGroup(canonical="chứng minh nhân dân", terms=["CCCD"]),
            ]
        )


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("có nộp hồ sơ qua bưu điện được không", "truc_tuyen"),
        ("nhận kết quả qua đường bưu chính", "truc_tuyen"),
        ("mẹ tôi nhận lương hưu tại bưu điện, muốn chuyển sang tài khoản thì làm sao", None),
    ],
)
def test_post_office_is_a_channel_only_when_papers_go_by_post(
    question: str, topic: str | None
) -> None:
    match = detect_topic(question)
    assert (match.topic if match else None) == topic


def test_noise_is_stripped_but_never_everything() -> None:
    assert FILLERS.remove("Xin chào, cho tôi hỏi đăng ký kết hôn ạ").replace(",", "").split() == [
        "đăng",
        "ký",
        "kết",
        "hôn",
    ]
    assert FILLERS.remove("ạ") == "ạ"


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("xin cấp bản sao trích lục hộ tịch có mất phí không", "le_phi"),
        ("lam ho chieu het bao nhieu tien", "le_phi"),
        ("xin xác nhận tình trạng hôn nhân mất bao lâu", "thoi_han"),
        ("cấp đổi giấy phép mấy ngày thì xong", "thoi_han"),
        ("Thời hạn giải quyết thủ tục cấp giấy phép bán lẻ rượu?", "thoi_han"),
        ("nhập hộ khẩu cho vợ cần giấy tờ gì", "ho_so"),
        ("Thành phần hồ sơ cấp phiếu lý lịch tư pháp", "ho_so"),
        ("hồ sơ tách thửa gồm những gì", "ho_so"),
        ("đổi bằng lái nộp ở đâu", "noi_nop"),
        ("Cơ quan có thẩm quyền cấp giấy phép khai thác thủy sản?", "noi_nop"),
        ("làm hồ sơ hộ nghèo ở đâu", "noi_nop"),
        ("Trình tự thực hiện thủ tục đăng ký giám hộ", "trinh_tu"),
        ("giải thể công ty các bước làm thế nào", "trinh_tu"),
        ("Điều kiện cấp giấy phép kinh doanh karaoke", "dieu_kien"),
        ("Đối tượng nào được hưởng trợ cấp xã hội", "dieu_kien"),
        ("Thời hạn của giấy phép lái xe hạng B là bao lâu", "ket_qua"),
        ("Căn cứ pháp lý của thủ tục đăng ký khai tử", "can_cu"),
        ("có nộp hồ sơ trực tuyến được không", "truc_tuyen"),
        ("dang ky tam tru online", "truc_tuyen"),
        ("chuyển đất vườn lên đất ở phải nộp những khoản tiền gì", "le_phi"),
        ("xin trợ cấp mai táng thì làm hồ sơ gì", "ho_so"),
        ("Hồ sơ thực hiện thủ tục cấp giấy phép bán lẻ rượu?", "ho_so"),
        ("xac nhan cu tru lam o cong an xa hay o huyen", "noi_nop"),
        ("người đang hưởng lương hưu có được hưởng thêm trợ cấp không", "dieu_kien"),
        ("chưa có thẻ căn cước có làm hộ chiếu được không", "dieu_kien"),
        ("muốn làm giám định viên thì cần có những điều", "dieu_kien"),
    ],
)
def test_topic_detection(question: str, topic: str) -> None:
    match = detect_topic(question)
    assert match is not None and match.topic == topic


@pytest.mark.parametrize(
    "question",
    [
        "đăng ký khai sinh",
        "chuyển mục đích sử dụng đất phi nông nghiệp",
        "cấp giấy phép đủ điều kiện kinh doanh dịch vụ vũ trường",
        "thành lập công ty tnhh một thành viên như thế nào",
        "",
        "😀😀",
    ],
)
def test_no_topic_means_overview(question: str) -> None:
    assert detect_topic(question) is None


@pytest.mark.parametrize(
    "question",
    [
        "đăng ký lại khai tử cần giấy tờ gì",
        # The whole formal phrase goes, not just its last words: a stray "gồm những" left in
        # the retrieval text made a plain question a mere guess.
        "đăng ký lại khai tử gồm những giấy tờ nào",
        "dang ky lai khai tu gom cac giay to nao",
    ],
)
def test_topic_words_are_stripped_from_the_retrieval_text(question: str) -> None:
    assert fold(strip_span(question, detect_topic(question))) == "dang ky lai khai tu"


def test_time_words_take_the_verb_before_them() -> None:
    """In "mất bao lâu" the word "mất" belongs to the time question, not to a lost paper."""
    question = "cấp lại giấy phép bị mất mất mấy ngày"
    assert strip_span(question, detect_topic(question)) == "cấp lại giấy phép bị mất"


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        ("Điều kiện về nhân viên cơ sở bán lẻ thuốc", "nhân viên cơ sở bán lẻ thuốc"),
        ("cấp phép tại Ban quản lý khu kinh tế", "cấp phép tại Ban quản lý khu kinh tế"),
        ("xin giấy phép bán hàng ở chợ", "xin giấy phép bán hàng ở chợ"),
        ("chứng minh nhân dân của mình bị mất", "chứng minh nhân dân của bị mất"),
    ],
)
def test_fillers_go_only_where_they_are_written_as_fillers(question: str, kept: str) -> None:
    assert kept in FILLERS.remove(question)


def test_accentless_fillers_go_in_an_accentless_message() -> None:
    assert FILLERS.remove("ban oi cho minh hoi tach so do").split() == ["tach", "so", "do"]
    assert FILLERS.remove("tach so do", accentless=True) == "tach so do"


@pytest.mark.parametrize(
    ("text", "accentless"),
    [("tach so do cho con can gi", True), ("đổi cccd mất bao nhiêu tiền", False), ("", True)],
)
def test_accentless_messages_are_told_apart(text: str, accentless: bool) -> None:
    assert is_accentless(text) is accentless


def test_tone_placement_variants_are_the_same_word() -> None:
    assert same_word("hoá", "hóa", accentless=False)
    assert not same_word("bán", "bạn", accentless=False)
    assert same_word("ban", "bạn", accentless=True)


NAME = "Đăng ký khai sinh có yếu tố nước ngoài"


@pytest.mark.parametrize(
    ("question", "left"),
    [
        # A formal question quoting the whole name keeps only what it asks.
        (
            "Kết quả của thủ tục Đăng ký khai sinh có yếu tố nước ngoài là gì?",
            "Kết quả của thủ tục là gì?",
        ),
        # Typed without diacritics, or quoting only part of the name.
        ("dang ky khai sinh cho be thi nop o dau", "cho be thi nop o dau"),
        ("lệ phí đăng ký khai sinh bao nhiêu", "lệ phí bao nhiêu"),
        # A bare name leaves nothing: it asks nothing beyond the procedure.
        ("khai sinh có yếu tố nước ngoài", ""),
        # One shared word is not a run of the name: "đăng" and "ký" apart are left alone.
        ("ký giấy ở đâu", "ký giấy ở đâu"),
    ],
)
def test_the_procedure_name_is_cut_out_of_the_question(question: str, left: str) -> None:
    assert strip_name(question, NameRuns.of(NAME, 2)) == left


def test_a_longer_minimum_run_keeps_short_shared_phrases() -> None:
    assert strip_name("khai sinh ở đâu", NameRuns.of(NAME, 3)) == "khai sinh ở đâu"
    assert strip_name("đăng ký khai sinh ở đâu", NameRuns.of(NAME, 3)) == "ở đâu"


def test_a_stop_word_written_with_diacritics_is_a_clear_error(tmp_path: Path) -> None:
    config = yaml.safe_load((KB_DIR / "search.yml").read_text(encoding="utf-8"))
    config["stop_words"] = [*config["stop_words"], "của"]
    (tmp_path / "search.yml").write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    with pytest.raises(ValidationError, match="folded"):
        load_search_config(tmp_path)


def test_stop_words_are_left_out_of_the_content_words() -> None:
    stop_words = frozenset(load_search_config(KB_DIR).stop_words)
    assert content_syllables("Thủ tục cấp lại giấy phép của công ty", stop_words) == {
        "cap",
        "lai",
        "giay",
        "phep",
        "cong",
        "ty",
    }
