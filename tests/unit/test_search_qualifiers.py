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


def test_a_field_serving_one_group_qualifies_its_plain_names() -> None:
    qualifiers = Qualifiers(
        ["quân sự"], by_field={"Chính sách": ["công an nhân dân", "cán bộ công an"]}
    )
    police = qualifiers.of_name("Cấp lại thẻ bảo hiểm y tế", field="Chính sách")
    insurance = qualifiers.of_name("Cấp lại thẻ bảo hiểm y tế", field="Cấp sổ BHXH, thẻ BHYT")
    assert len(police) == 2
    assert not insurance
    assert unsaid_qualifier(police, qualifiers.said("thẻ bảo hiểm y tế bị mất")) == 1.0
    assert unsaid_qualifier(police, qualifiers.said("thẻ BHYT của cán bộ công an bị mất")) == 0.0
