"""Restrictive qualifiers: a specialised sibling loses to the plain one unless the question says it."""

from bot.search.qualifiers import Qualifiers, unsaid_qualifier

QUALIFIERS = Qualifiers(["phổ thông chuyên", "có yếu tố nước ngoài", "quân sự", "bộ quốc phòng"])


def test_name_qualifiers_are_matched_with_diacritics() -> None:
    assert QUALIFIERS.of_name("Cho phép trường trung học phổ thông chuyên hoạt động giáo dục")
    assert not QUALIFIERS.of_name("Chuyển trường đối với học sinh trung học phổ thông chuyển đến")
    assert not QUALIFIERS.of_name("Đăng ký kết hôn")


def test_plain_question_penalises_the_specialised_sibling_only() -> None:
    said = QUALIFIERS.said("Xin hỏi thủ tục đăng ký kết hôn ở xã?")
    foreign = QUALIFIERS.of_name("Đăng ký kết hôn có yếu tố nước ngoài")
    assert unsaid_qualifier(foreign, said) == 1.0
    assert unsaid_qualifier(QUALIFIERS.of_name("Đăng ký kết hôn"), said) == 0.0


def test_question_saying_the_qualifier_without_accents_keeps_the_sibling() -> None:
    said = QUALIFIERS.said("dang ky ket hon co yeu to nuoc ngoai")
    assert unsaid_qualifier(QUALIFIERS.of_name("Đăng ký kết hôn có yếu tố nước ngoài"), said) == 0.0


def test_one_said_qualifier_is_enough() -> None:
    name = QUALIFIERS.of_name("Đổi giấy phép lái xe quân sự do Bộ Quốc phòng cấp")
    assert len(name) == 2
    assert unsaid_qualifier(name, QUALIFIERS.said("đổi bằng lái quân sự")) == 0.0
