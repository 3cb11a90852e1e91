"""Whole conversations through the gateway: follow-ups, choices, the dossier form, hand-over."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.answers import texts
from bot.portal_service.tables import Dossier
from tests.e2e.processes import http_ok
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e


class Conversation:
    def __init__(self, stack: Stack, sender: str) -> None:
        self.stack = stack
        self.sender = sender

    def say(self, message: str) -> list[dict[str, Any]]:
        response = httpx.post(
            f"{self.stack.gateway_url}/api/v1/chat",
            json={"sender": self.sender, "message": message},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        replies = response.json()["replies"]
        assert replies, f"no reply to {message!r}"
        return replies

    def text(self, message: str) -> str:
        return "\n".join(r["text"] for r in self.say(message))

    def reach(self, message: str, codes: tuple[str, ...]) -> list[dict[str, Any]]:
        """Ask ``message``; when the assistant offers choices, click the one for ``codes``.

        A sure answer (or a guess) names the procedure at once; an unsure one must offer it as a
        button.
        """
        replies = self.say(message)
        if any(code in reply["text"] for reply in replies for code in codes):
            return replies
        buttons = [b for r in replies for b in r.get("buttons") or []]
        chosen = [b for b in buttons if any(code in b["payload"] for code in codes)]
        assert chosen, f"{codes} neither answered nor offered: {replies}"
        return self.say(chosen[0]["payload"])


def seeded_dossier(stack: Stack, status: str) -> Dossier:
    engine = create_engine(stack.env["ISEE_PORTAL_DB_URL"])
    with Session(engine) as session:
        dossier = session.scalars(select(Dossier).where(Dossier.status == status)).first()
        assert dossier is not None
        session.expunge(dossier)
    engine.dispose()
    return dossier


def test_follow_ups_answer_for_the_procedure_being_discussed(stack: Stack) -> None:
    chat = Conversation(stack, "flow-followups")
    first = chat.reach("thủ tục đăng ký kết hôn gồm những giấy tờ nào", ("1.000894",))
    assert "1.000894" in first[0]["text"]
    assert "hữu ích" in first[-1]["text"]
    fee = chat.text("thế lệ phí bao nhiêu?")
    assert "1.000894" in fee
    assert "lệ phí" in fee.lower()
    online = chat.text("nop online duoc ko")
    assert "1.000894" in online


def test_a_new_question_replaces_the_procedure(stack: Stack) -> None:
    chat = Conversation(stack, "flow-replace")
    assert "1.000894" in chat.text("sắp cưới thì ra xã đăng ký kết hôn mang theo những gì")
    assert "1.000656" in chat.text("còn đăng ký khai tử cho bố thì cần giấy tờ gì")
    assert "1.000656" in chat.text("mất bao lâu thì xong")


def test_a_question_asking_two_topics_gets_both_answers(stack: Stack) -> None:
    chat = Conversation(stack, "flow-two-topics")
    replies = chat.say("thủ tục đăng ký kết hôn cần chuẩn bị giấy tờ gì, nộp hồ sơ ở đâu")
    answers = [r["text"] for r in replies if "1.000894" in r["text"]]
    assert len(answers) == 2, replies
    documents, place = answers
    assert documents.startswith("Dạ, hồ sơ") and "gồm" in documents
    assert "giải quyết" in place or "nơi nộp" in place
    assert "hữu ích" in replies[-1]["text"]


def test_a_formal_question_quoting_the_name_gets_the_part_it_asks(stack: Stack) -> None:
    chat = Conversation(stack, "flow-formal")
    question = "Kết quả của thủ tục đăng ký khai sinh có yếu tố nước ngoài là gì?"
    answer = chat.reach(question, ("2.000528",))[0]["text"]
    # The result, not another part the name's words used to pull it to.
    assert answer.startswith("Dạ, kết quả của thủ tục"), answer
    assert "2.000528" in answer and "Giấy khai sinh" in answer


def test_a_guess_is_said_to_be_one_and_the_other_choices_still_answer(stack: Stack) -> None:
    chat = Conversation(stack, "flow-guess")
    intro, *answers, others = chat.say("giấy phép hoạt động")
    assert intro["text"] == texts.GUESS
    guessed = re.search(r"mã (\d\.\d{6})", " ".join(r["text"] for r in answers))
    assert guessed, answers
    # A follow-up asks about the guessed procedure, as after an answer.
    assert guessed.group(1) in chat.text("lệ phí bao nhiêu")
    assert others["text"] == texts.GUESS_OTHERS
    first_other = others["buttons"][0]["payload"]
    other_code = json.loads(first_other.removeprefix("/ask_question"))["entry_id"].split(":")[0]
    assert other_code != guessed.group(1)
    assert other_code in chat.say(first_other)[0]["text"]


def test_accentless_question_is_answered(stack: Stack) -> None:
    chat = Conversation(stack, "flow-accentless")
    assert "1.000894" in chat.text("dang ky ket hon can nhung giay to gi")


@pytest.mark.parametrize(
    ("question", "codes"),
    [
        ("bố tôi muốn sang tên xe máy cho tôi", ("1.013076",)),
        ("vo chong em muon dang ky tam tru cho bo me len o cung", ("1.004194",)),
    ],
)
def test_a_question_told_about_the_family_is_not_declined(
    stack: Stack, question: str, codes: tuple[str, ...]
) -> None:
    # The out-of-scope corpus has family-life stories (money, children, marriage); the curated
    # phrasings told about a relative keep these procedure questions in scope.
    chat = Conversation(stack, f"flow-family-{codes[0]}")
    replies = chat.reach(question, codes)
    assert any(code in reply["text"] for reply in replies for code in codes)


def test_clicked_choice_answers_that_entry(stack: Stack) -> None:
    chat = Conversation(stack, "flow-click")
    payload = "/ask_question" + json.dumps({"entry_id": "1.000656:thoi_han"})
    replies = chat.say(payload)
    assert "1.000656" in replies[0]["text"]
    assert "thời hạn" in replies[0]["text"].lower()


def test_police_procedure_for_a_child_identity_card(stack: Stack) -> None:
    chat = Conversation(stack, "flow-cancuoc")
    # The flow, not the age arithmetic: "con tôi mới 10 tuổi" is a known sibling miss (read as the
    # from-14 record, whose phrasing "con tôi vừa tròn 14 tuổi" is nearest; docs/search.md).
    replies = chat.reach(
        "làm thẻ căn cước cho con dưới 14 tuổi thì cần những gì", ("1.014062", "1.012549")
    )
    answer = "\n".join(r["text"] for r in replies)
    assert "1.014062" in answer or "1.012549" in answer
    assert "căn cước" in answer.lower()
    # Where the facts come from: the national record, or the portal's live requirements.
    assert "Nguồn: Cổng Dịch vụ công" in answer


def test_district_level_answer_carries_the_notice(stack: Stack) -> None:
    chat = Conversation(stack, "flow-district")
    answer = chat.text("tặng giấy khen của chủ tịch ubnd cấp huyện về thành tích đột xuất")
    assert "không còn cấp huyện" in answer


def test_out_of_scope_gets_no_answer_from_the_knowledge_base(stack: Stack) -> None:
    chat = Conversation(stack, "flow-oos")
    answer = chat.text("ngân hàng nào đang có lãi suất gửi tiết kiệm cao nhất")
    assert "ngoài phạm vi" in answer or "chưa tìm thấy" in answer


def test_dossier_form_interrupted_by_a_question_then_left(stack: Stack) -> None:
    chat = Conversation(stack, "flow-form-interrupt")
    assert "mã hồ sơ" in chat.text("tôi muốn tra cứu hồ sơ")
    interrupted = chat.text("à cho hỏi đăng ký khai tử cần giấy tờ gì")
    assert "1.000656" in interrupted
    assert "mã hồ sơ" in interrupted
    stopped = chat.text("thôi không tra nữa")
    assert "dừng tra cứu" in stopped
    assert "1.000656" in stopped
    assert "1.000656" in chat.text("lệ phí bao nhiêu")


def test_malformed_codes_are_reasked_twice_then_given_up(stack: Stack) -> None:
    chat = Conversation(stack, "flow-bad-codes")
    chat.say("kiểm tra tình trạng hồ sơ giúp tôi")
    for attempt in ("abc123", "99999"):
        reply = chat.text(attempt)
        assert "chưa đúng định dạng" in reply
        assert "000.00.20.H37-250612-0001" in reply
    assert "chưa nhận ra mã hồ sơ" in chat.text("12-34")
    assert "1.000894" in chat.text("đăng ký kết hôn cần giấy tờ gì")


def test_dossier_status_then_details_after_the_second_factor(stack: Stack) -> None:
    dossier = seeded_dossier(stack, "supplement_required")
    typed = dossier.code.lower().replace("-", " ")
    chat = Conversation(stack, "flow-dossier")
    status = chat.text(f"tra cứu hồ sơ {typed}")
    assert dossier.code in status
    assert "Chờ bổ sung hồ sơ" in status
    assert dossier.applicant_name not in status
    assert dossier.current_step not in status
    details = chat.text(dossier.applicant_phone[-4:])
    assert dossier.applicant_name in details
    assert "Giấy tờ cần bổ sung" in details


def test_handover_and_feedback(stack: Stack) -> None:
    chat = Conversation(stack, "flow-human")
    chat.say("đăng ký kết hôn cần giấy tờ gì")
    assert "cảm ơn" in chat.text("/feedback_good").lower()
    assert "YC-" in chat.text("cho tôi nói chuyện với cán bộ")


def test_portal_down_is_explained_and_the_conversation_goes_on(stack: Stack) -> None:
    portal = stack.process("portal")
    portal.stop()
    try:
        chat = Conversation(stack, "flow-portal-down")
        reply = chat.text("tra cứu hồ sơ 000.00.20.H37-250612-0001")
        assert "tạm gián đoạn" in reply
        assert "1.000894" in chat.text("đăng ký kết hôn cần giấy tờ gì")
    finally:
        portal.restart()
        portal.wait_until(http_ok(f"{stack.portal_url}/api/v1/health"), 60)
