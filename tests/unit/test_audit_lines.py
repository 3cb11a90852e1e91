"""The audit points a curator at the exact line where a flagged phrasing starts."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.writer import dump_yaml
from bot.search.audit import _locate

LONG = (
    "Em thay kính chắn gió nên mất luôn tem kiểm định, xe vẫn còn hạn đăng kiểm, có phải mang xe"
    " đi kiểm định lại không?"
)


def test_the_line_of_a_phrasing_is_where_its_own_item_starts(tmp_path: Path) -> None:
    procedure = tmp_path / "procedures" / "dang-kiem" / "1.013092.yml"
    procedure.parent.mkdir(parents=True)
    questions = [
        # The second item's opening words stand inside the first: a substring search picks the
        # first item's line.
        {"ho_so": "mat giay chung nhan dang kiem oto thi xin cap lai can don gi"},
        LONG,
        {"trinh_tu": "giay chung nhan dang kiem oto bi mat ma xe con han, xin lai cac buoc nao"},
    ]
    procedure.write_text(
        dump_yaml(
            {
                "code": "1.013092",
                "name": "Cấp lại giấy chứng nhận kiểm định",
                "questions": questions,
            }
        ),
        encoding="utf-8",
    )
    lines = procedure.read_text(encoding="utf-8").splitlines()
    file, line = _locate(tmp_path, "1.013092", questions[2]["trinh_tu"])
    assert file == str(procedure)
    assert lines[line - 1] == "- trinh_tu: " + questions[2]["trinh_tu"]
    # A phrasing folded over two lines is given by its first line.
    _, line = _locate(tmp_path, "1.013092", LONG)
    assert lines[line - 1].startswith("- Em thay kính") and not lines[line].startswith("- ")


def test_a_faq_phrasing_is_found_in_the_file_holding_its_entry(tmp_path: Path) -> None:
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "a.yml").write_text(
        dump_yaml({"faqs": [{"id": "x", "questions": ["giờ làm việc"], "answer": "Dạ"}]}),
        encoding="utf-8",
    )
    faq = tmp_path / "faq" / "b.yml"
    faq.write_text(
        dump_yaml(
            {
                "faqs": [
                    {
                        "id": "y",
                        "title": "giờ làm việc",
                        "questions": ["hỏi giờ làm việc"],
                        "answer": "Dạ",
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    file, line = _locate(tmp_path, "faq:y", "hỏi giờ làm việc")
    assert file == str(faq)
    assert faq.read_text(encoding="utf-8").splitlines()[line - 1].strip() == "- hỏi giờ làm việc"
