"""The answer service over small stand-ins of its outside boundaries (search index, portal API,
inbox database), and the Rasa actions built on it, with no module global touched."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswerQuestion, ActionAnswerTopic, ActionOutOfScope
from actions.dossier import ActionCheckDossier, ActionDossierDetails
from actions.feedback import ActionRecordFeedback
from bot.answers import AnswerService, DossierAnswers, Wording, texts
from bot.answers.availability import StaffHours
from bot.answers.followup import FollowUpWords
from bot.knowledge.answer_rules import AnswerRules
from bot.knowledge.entries import procedure_entries
from bot.knowledge.loader import SITE_FILE, KnowledgeBase, load_answer_rules, parse_file
from bot.knowledge.schema import Channel, Document, Links, Procedure
from bot.knowledge.site import Site
from bot.portal.errors import NotFound, Unavailable
from bot.portal_contract.models import (
    Dossier,
    DossierStatus,
    ProcedureRef,
    ProcedureRequirements,
    RequirementChannel,
    RequirementDocument,
)
from bot.search.searcher import Hit, SearchResult

pytestmark = pytest.mark.anyio

REPO_KB = Path(__file__).resolve().parents[2] / "knowledge_base"
REPO_STAFF = REPO_KB / "staff.yml"
RULES: AnswerRules = load_answer_rules(REPO_KB, parse_file(REPO_KB / SITE_FILE, Site))
LINK = "https://dichvucong.example.gov.vn"
BIRTH, MARRIAGE = "1.001193", "1.000894"
CODE = "000.00.20.H37-250612-0001"


def _procedure(code: str, name: str) -> Procedure:
    return Procedure.model_validate(
        {
            "code": code,
            "name": name,
            "field": "Hộ tịch",
            "source": "national",
            "data_date": dt.date(2026, 5, 19),
            "links": Links(national=f"https://dichvucong.gov.vn/{code}"),
            "documents": [Document(name="Tờ khai", copies="1 bản chính")],
            "channels": [Channel(kind="truc_tiep", time="1 ngày làm việc", fee="Miễn phí")],
        }
    )


def _kb() -> KnowledgeBase:
    procedures = {
        BIRTH: _procedure(BIRTH, "Đăng ký khai sinh"),
        MARRIAGE: _procedure(MARRIAGE, "Đăng ký kết hôn"),
    }
    entries = [e for p in procedures.values() for e in procedure_entries(p, RULES)]
    return KnowledgeBase(
        kb_dir=REPO_KB,
        procedures=procedures,
        central=None,
        site=None,
        answer_rules=RULES,
        entries=entries,
    )


class FakeSearch:
    """Gives a fixed search result and records every query."""

    def __init__(self, result: SearchResult) -> None:
        self.result = result
        self.queries: list[tuple[str, str | None]] = []

    def search(self, query: str, k: int = 5, procedure_hint: str | None = None) -> SearchResult:
        self.queries.append((query, procedure_hint))
        return self.result


class FakePortal:
    """A portal that serves one procedure's requirements and one dossier, or is down."""

    def __init__(self, *, down: bool = False) -> None:
        self.down = down
        self.calls: list[tuple[str, str | None]] = []

    async def get_procedure(self, code: str) -> ProcedureRequirements:
        if self.down:
            raise Unavailable("down")
        return ProcedureRequirements(
            code=code,
            name="Đăng ký khai sinh",
            field="Hộ tịch",
            documents=[RequirementDocument(name="Giấy chứng sinh", copies="1 bản chính")],
            channels=[RequirementChannel(kind="truc_tiep", time="3 ngày", fee="Miễn phí")],
            updated_on=dt.date(2026, 6, 1),
        )

    async def get_dossier(self, code: str, client: str, last4: str | None = None) -> Dossier:
        self.calls.append((code, last4))
        if self.down:
            raise Unavailable("down")
        if code != CODE:
            raise NotFound("no such dossier")
        return Dossier(
            code=code,
            status=DossierStatus.PROCESSING,
            status_label="Đang giải quyết",
            procedure=ProcedureRef(code=BIRTH, name="Đăng ký khai sinh"),
            verified=False,
        )


class FakeInbox:
    """Keeps what the service records."""

    def __init__(self) -> None:
        self.feedback: list[tuple[str, str, bool]] = []

    def open_handover(self, conversation_id: str, last_message: str, procedure: str | None) -> Any:
        raise AssertionError("not expected here")

    def record_feedback(self, conversation_id: str, entry_id: str, helpful: bool) -> None:
        self.feedback.append((conversation_id, entry_id, helpful))


def _hit(entry: str, title: str) -> Hit:
    procedure = entry.split(":")[0]
    return Hit(entry=entry, procedure=procedure, topic=entry.split(":")[1], score=1.0, title=title)


def _service(
    result: SearchResult, portal: FakePortal | None = None, inbox: FakeInbox | None = None
) -> tuple[AnswerService, FakeSearch]:
    kb = _kb()
    search = FakeSearch(result)
    service = AnswerService(
        kb=kb,
        entries={e.id: e for e in kb.entries},
        searcher=search,
        follow_ups=FollowUpWords.load(REPO_KB),
        portal=portal or FakePortal(),
        inbox=inbox or FakeInbox(),
        wording=Wording(portal_link=LINK),
        staff_hours=partial(StaffHours.load, REPO_STAFF),
    )
    return service, search


def _tracker(text: str, slots: dict[str, Any] | None = None, intent: str = "x") -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "citizen",
            "slots": slots or {},
            "latest_message": {"text": text, "intent": {"name": intent}, "entities": []},
            "events": [],
        }
    )


async def _run(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], list[Any]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


ANSWER = SearchResult(decision="answer", hits=[_hit(f"{MARRIAGE}:truc_tuyen", "Kết hôn")])


async def test_an_answer_gives_the_entry_text_its_link_and_the_feedback_question() -> None:
    service, _ = _service(ANSWER)
    outcome = await service.question("kết hôn làm online được không")
    entry = {e.id: e for e in service.kb.entries}[f"{MARRIAGE}:truc_tuyen"]
    answer, feedback = outcome.replies
    assert answer.text == entry.answer
    assert answer.custom == {
        "link": entry.link,
        "search": {"decision": "answer", "entry": entry.id, "confidence": None},
    }
    assert [b.title for b in answer.buttons] == [
        "Cần giấy tờ gì?",
        "Lệ phí bao nhiêu?",
        "Mất bao lâu?",
    ]
    assert feedback.text == texts.FEEDBACK_QUESTION
    assert outcome.slots == {
        "last_entry": f"{MARRIAGE}:truc_tuyen",
        "handover_offered": False,
        "current_procedure": MARRIAGE,
    }


@pytest.mark.parametrize(
    ("decision", "reported"),
    [("answer", "answer"), ("guess", "guess"), ("clarify", "clarify"), ("none", "none")],
)
async def test_the_first_reply_reports_the_search_decision_for_staff(
    decision: str, reported: str
) -> None:
    hits = [_hit(f"{BIRTH}:ho_so", "Đăng ký khai sinh"), _hit(f"{MARRIAGE}:ho_so", "Kết hôn")]
    service, _ = _service(SearchResult(decision=decision, hits=hits, confidence=0.42))
    first, *rest = (await service.question("khai sinh cần gì")).replies
    assert first.custom["search"] == {
        "decision": reported,
        "entry": f"{BIRTH}:ho_so",
        "confidence": 0.42,
    }
    assert all("search" not in reply.custom for reply in rest)


async def test_requirements_come_from_the_live_portal_or_say_it_did_not_answer() -> None:
    result = SearchResult(decision="answer", hits=[_hit(f"{BIRTH}:ho_so", "Khai sinh")])
    live, _ = _service(result)
    text = (await live.question("khai sinh cần gì")).replies[0].text
    assert "Giấy chứng sinh" in text and "cập nhật ngày 01/06/2026" in text
    down, _ = _service(result, FakePortal(down=True))
    text = (await down.question("khai sinh cần gì")).replies[0].text
    assert "Tờ khai" in text and "chưa phản hồi" in text


async def test_clarify_offers_one_button_per_procedure_and_none_of_these() -> None:
    hits = [
        _hit(f"{BIRTH}:ho_so", "Đăng ký khai sinh"),
        _hit(f"{BIRTH}:le_phi", "Đăng ký khai sinh"),
        _hit(f"{MARRIAGE}:ho_so", "Đăng ký kết hôn"),
    ]
    service, _ = _service(SearchResult(decision="clarify", hits=hits))
    outcome = await service.question("đăng ký")
    (reply,) = outcome.replies
    assert reply.text == texts.CHOICES
    assert [b.title for b in reply.buttons][:2] == [
        "Đăng ký khai sinh (mã 1.001193)",
        "Đăng ký kết hôn (mã 1.000894)",
    ]
    assert [b.payload for b in reply.buttons] == [
        '/ask_question{"entry_id": "1.001193:ho_so"}',
        '/ask_question{"entry_id": "1.000894:ho_so"}',
        "/feedback_bad",
    ]
    assert outcome.slots == {"handover_offered": False}


async def test_a_guess_says_so_answers_and_offers_the_other_procedures() -> None:
    hits = [
        _hit(f"{MARRIAGE}:ho_so", "Đăng ký kết hôn"),
        _hit(f"{MARRIAGE}:le_phi", "Đăng ký kết hôn"),
        _hit(f"{BIRTH}:ho_so", "Đăng ký khai sinh"),
    ]
    service, _ = _service(SearchResult(decision="guess", hits=hits, topic="ho_so"))
    outcome = await service.question("giấy tờ đăng ký")
    intro, answer, others = outcome.replies
    assert intro.text == texts.GUESS
    assert "Đăng ký kết hôn" in answer.text and "mã 1.000894" in answer.text
    assert "Giấy chứng sinh" in answer.text  # the live requirements, as for an answer
    # The guessed procedure is not offered again; "none of these" asks for a human like 👎.
    assert others.text == texts.GUESS_OTHERS
    assert [b.payload for b in others.buttons] == [
        '/ask_question{"entry_id": "1.001193:ho_so"}',
        "/feedback_bad",
    ]
    assert outcome.slots == {
        "last_entry": f"{MARRIAGE}:ho_so",
        "handover_offered": False,
        "current_procedure": MARRIAGE,
    }


async def test_a_question_asking_two_topics_gets_both_answers_and_one_feedback_question() -> None:
    result = SearchResult(
        decision="answer",
        hits=[_hit(f"{MARRIAGE}:truc_tuyen", "Kết hôn")],
        topic="truc_tuyen",
        topics=["truc_tuyen", "ket_qua"],
    )
    service, _ = _service(result)
    outcome = await service.question("kết hôn làm online được không, nhận kết quả gì")
    entries = {e.id: e for e in service.kb.entries}
    assert [r.text for r in outcome.replies] == [
        entries[f"{MARRIAGE}:truc_tuyen"].answer,
        entries[f"{MARRIAGE}:ket_qua"].answer,
        texts.FEEDBACK_QUESTION,
    ]
    assert outcome.slots["last_entry"] == f"{MARRIAGE}:truc_tuyen"


async def test_nothing_found_says_so_and_offers_a_human() -> None:
    service, _ = _service(SearchResult(decision="none", hits=[]))
    outcome = await service.question("tỷ giá usd hôm nay")
    assert outcome.replies[0].text == texts.UNKNOWN.format(portal=LINK)
    assert [b.payload for b in outcome.replies[0].buttons] == ["/talk_to_human", "/deny"]
    assert outcome.slots == {"handover_offered": True}


async def test_a_topic_follow_up_answers_for_the_current_procedure_without_searching() -> None:
    service, search = _service(SearchResult(decision="none", hits=[]))
    outcome = await service.topic("thế còn lệ phí thì sao", BIRTH)
    assert outcome.slots["last_entry"] == f"{BIRTH}:le_phi"
    assert search.queries == []


async def test_a_follow_up_with_no_procedure_asks_which_or_searches_what_it_names() -> None:
    service, search = _service(ANSWER)
    outcome = await service.topic("thế còn lệ phí thì sao ạ", None)
    assert [r.text for r in outcome.replies] == [texts.WHICH_PROCEDURE]
    assert outcome.slots == {} and search.queries == []
    await service.topic("lệ phí đăng ký kết hôn", None)
    assert search.queries == [("lệ phí đăng ký kết hôn", None)]


async def test_out_of_scope_answers_only_a_confident_search() -> None:
    hesitant, _ = _service(SearchResult(decision="clarify", hits=ANSWER.hits))
    outcome = await hesitant.out_of_scope("đá bóng mấy giờ")
    assert outcome.replies[0].text == texts.OUT_OF_SCOPE.format(portal=LINK)
    confident, _ = _service(ANSWER)
    outcome = await confident.out_of_scope("kết hôn online")
    assert outcome.slots["current_procedure"] == MARRIAGE


async def test_unicode_digits_are_asked_again_without_calling_the_portal() -> None:
    portal = FakePortal()
    dossiers = DossierAnswers(portal, portal_link=LINK, hash_key="k")
    for typed in ("4 số cuối là ١٢٣٤", "１２３４"):
        reply = await dossiers.details(CODE, typed, "web:one")
        assert reply.text == texts.ASK_ASCII_LAST4
    assert (await dossiers.details(CODE, "chưa nhớ", "web:one")).text == texts.ASK_LAST4
    assert portal.calls == []


async def test_a_portal_that_is_down_gives_the_polite_text_and_a_human() -> None:
    dossiers = DossierAnswers(FakePortal(down=True), portal_link=LINK, hash_key="k")
    reply, checked = await dossiers.status(CODE, "web:one")
    assert reply.text == texts.PORTAL_DOWN.format(portal=LINK)
    assert [b.payload for b in reply.buttons] == ["/talk_to_human"]
    assert checked is None


async def test_actions_are_adapters_over_the_services_they_are_given() -> None:
    inbox = FakeInbox()
    service, _ = _service(ANSWER, inbox=inbox)
    messages, events = await _run(ActionAnswerQuestion(lambda: service), _tracker("kết hôn"))
    assert messages[1]["text"] == texts.FEEDBACK_QUESTION
    assert messages[0]["custom"]["link"]
    assert [(e["name"], e["value"]) for e in events][-1] == ("current_procedure", MARRIAGE)
    slots = {"current_procedure": BIRTH}
    _, events = await _run(ActionAnswerTopic(lambda: service), _tracker("còn lệ phí?", slots))
    assert events[0]["value"] == f"{BIRTH}:le_phi"
    messages, _ = await _run(ActionOutOfScope(lambda: service), _tracker("kết hôn"))
    assert len(messages) == 2
    slots = {"last_entry": f"{BIRTH}:ho_so"}
    tracker = _tracker("sai rồi", slots, intent="feedback_bad")
    _, events = await _run(ActionRecordFeedback(lambda: service), tracker)
    assert inbox.feedback == [("citizen", f"{BIRTH}:ho_so", False)]
    assert events[0]["value"] is True


async def test_dossier_actions_show_the_status_and_reask_unicode_digits() -> None:
    dossiers = DossierAnswers(FakePortal(), portal_link=LINK, hash_key="k")
    messages, events = await _run(
        ActionCheckDossier(lambda: dossiers), _tracker("", {"dossier_code": CODE})
    )
    assert "Đang giải quyết" in messages[0]["text"]
    assert ("checked_dossier", CODE) in [(e["name"], e["value"]) for e in events]
    slots = {"checked_dossier": CODE}
    messages, events = await _run(
        ActionDossierDetails(lambda: dossiers), _tracker("１２３４", slots)
    )
    assert messages[0]["text"] == texts.ASK_ASCII_LAST4
    assert [(e["name"], e["value"]) for e in events] == [("last4", None)]
