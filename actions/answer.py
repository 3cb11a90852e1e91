"""Answers from the knowledge base, decided by the search: answer, clarify, or say it is unknown."""

from __future__ import annotations

from typing import Any

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.live import live_answer
from actions.replies import (
    FEEDBACK_PROMPT,
    HUMAN_BUTTON,
    MAX_CHOICES,
    answer_message,
    entry_button,
)
from bot import runtime
from bot.knowledge.schema import Entry
from bot.search.normalize import fold
from bot.search.searcher import SearchResult
from bot.search.topics import detect_topic, strip_span
from bot.settings import get_settings

log = structlog.get_logger(__name__)

# Words of a follow-up that name no procedure ("thế còn … thì sao ạ").
FOLLOW_UP_FILLERS = frozenset(
    [
        "the",
        "con",
        "thi",
        "sao",
        "vay",
        "a",
        "nhi",
        "nhe",
        "oi",
        "em",
        "anh",
        "chi",
        "minh",
        "toi",
        "cho",
        "hoi",
        "xin",
        "la",
        "co",
        "khong",
        "ko",
        "k",
        "duoc",
        "dc",
        "nua",
        "gi",
        "nao",
        "bao",
        "nhieu",
        "the",
        "nay",
        "do",
        "kia",
        "ah",
        "u",
        "uh",
        "vang",
        "da",
        "roi",
    ]
)


def names_something(text: str) -> bool:
    """Whether a follow-up, once its topic words are removed, still names something to search."""
    return len([w for w in fold(text).split() if w not in FOLLOW_UP_FILLERS]) >= 2


def latest_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


async def say_entry(
    dispatcher: CollectingDispatcher, entry: Entry, *more: Entry
) -> list[EventType]:
    """Send an entry's answer (live portal data when the topic has it), then the answers of
    ``more`` topics the question also asked, and ask for feedback once."""
    for shown in (entry, *more):
        message = answer_message(shown)
        live = await live_answer(shown)
        if live:
            message["text"] = live
        dispatcher.utter_message(**message)
    dispatcher.utter_message(**FEEDBACK_PROMPT)
    events: list[EventType] = [SlotSet("last_entry", entry.id), SlotSet("handover_offered", False)]
    if entry.procedure:
        events.append(SlotSet("current_procedure", entry.procedure))
    return events


def other_topics(result: SearchResult, entry: Entry) -> list[Entry]:
    """The entries of the answered procedure for the other topics the question asked."""
    if not entry.procedure:
        return []
    found = (runtime.entry(f"{entry.procedure}:{topic}") for topic in result.topics[1:])
    return [other for other in found if other is not None and other.id != entry.id]


def say_unknown(dispatcher: CollectingDispatcher) -> list[EventType]:
    """Say plainly that the knowledge base has no answer, and offer the portal and a human."""
    dispatcher.utter_message(
        text=(
            "Dạ, em chưa tìm thấy thông tin này trong cơ sở dữ liệu thủ tục hành chính của tỉnh, "
            "nên em không dám trả lời để tránh sai sót ạ. Anh/chị có thể hỏi lại cụ thể hơn (tên "
            "thủ tục, việc cần làm), tra cứu trên Cổng dịch vụ công "
            f"({get_settings().portal_link}), hoặc để em chuyển câu hỏi tới cán bộ hỗ trợ. "
            "Anh/chị có muốn gặp cán bộ không ạ?"
        ),
        buttons=[
            HUMAN_BUTTON,
            {"title": "Không, cảm ơn", "payload": "/deny"},
        ],
    )
    return [SlotSet("handover_offered", True)]


def say_choices(dispatcher: CollectingDispatcher, result: SearchResult) -> list[EventType]:
    """Offer the closest procedures (or FAQ) as buttons; the clicked one is answered."""
    seen: set[str] = set()
    buttons = []
    for hit in result.hits:
        key = hit.procedure or hit.entry
        if key in seen:
            continue
        seen.add(key)
        buttons.append(entry_button(hit.title, hit.entry))
        if len(buttons) == MAX_CHOICES:
            break
    buttons.append({"title": "Không phải các mục trên", "payload": "/feedback_bad"})
    dispatcher.utter_message(
        text="Dạ, anh/chị muốn hỏi về thủ tục nào dưới đây ạ?", buttons=buttons
    )
    return [SlotSet("handover_offered", False)]


async def answer_search(
    dispatcher: CollectingDispatcher, result: SearchResult, *, allow_clarify: bool = True
) -> list[EventType]:
    """Turn a search decision into replies."""
    if result.decision == "answer" and result.hits:
        entry = runtime.entry(result.hits[0].entry)
        if entry is not None:
            return await say_entry(dispatcher, entry, *other_topics(result, entry))
    if result.decision == "clarify" and result.hits and allow_clarify:
        return say_choices(dispatcher, result)
    return say_unknown(dispatcher)


async def answer_entry(dispatcher: CollectingDispatcher, entry_id: str) -> list[EventType]:
    """Answer the entry a clicked choice names."""
    entry = runtime.entry(entry_id)
    if entry is None:
        log.warning("unknown_entry_choice", entry_id=entry_id)
        return say_unknown(dispatcher)
    return await say_entry(dispatcher, entry)


class ActionAnswerQuestion(Action):
    """Answer a clicked choice, or search for the user's question and answer, clarify or decline."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        entry_id = next(tracker.get_latest_entity_values("entry_id"), None)
        if entry_id:
            return await answer_entry(dispatcher, str(entry_id))
        result = runtime.searcher().search(latest_text(tracker), k=5)
        log.info(
            "answer_question", decision=result.decision, top=[h.entry for h in result.hits[:3]]
        )
        return await answer_search(dispatcher, result)


class ActionAnswerTopic(Action):
    """A follow-up naming only a topic ("còn lệ phí?") answers it for the current procedure."""

    def name(self) -> str:
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = latest_text(tracker)
        procedure = tracker.get_slot("current_procedure")
        match = detect_topic(text)
        if procedure and match:
            entry = runtime.entry(f"{procedure}:{match.topic}")
            if entry is not None:
                return await say_entry(dispatcher, entry)
        if not procedure and names_something(strip_span(text, match)):
            return await answer_search(dispatcher, runtime.searcher().search(text, k=5))
        if not procedure:
            dispatcher.utter_message(
                text=(
                    "Dạ, anh/chị đang hỏi về thủ tục nào ạ? Anh/chị cho em biết tên thủ tục "
                    '(ví dụ: "đăng ký khai sinh"), em sẽ trả lời ngay.'
                )
            )
            return []
        result = runtime.searcher().search(text, k=5, procedure_hint=procedure)
        return await answer_search(dispatcher, result)


class ActionOutOfScope(Action):
    """NLU thinks it is out of scope: answer only if the search is confident, never clarify."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        result = runtime.searcher().search(latest_text(tracker), k=5)
        if result.decision == "answer":
            return await answer_search(dispatcher, result)
        dispatcher.utter_message(**out_of_scope_message())
        return [SlotSet("handover_offered", False)]


def out_of_scope_message() -> dict[str, Any]:
    portal = get_settings().portal_link
    return {
        "text": (
            "Dạ, câu hỏi này nằm ngoài phạm vi thủ tục hành chính và dịch vụ công nên em chưa "
            "trả lời được ạ. Em có thể giúp anh/chị tìm hiểu giấy tờ, lệ phí, thời hạn, nơi nộp "
            f"của các thủ tục, hoặc tra cứu tình trạng hồ sơ. Cổng dịch vụ công: {portal}"
        ),
        "buttons": [
            {"title": "Tra cứu hồ sơ", "payload": "/check_dossier"},
            HUMAN_BUTTON,
        ],
    }
