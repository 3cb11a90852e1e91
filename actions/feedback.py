"""Whether an answer helped, recorded per knowledge-base entry for curators."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replies import HUMAN_BUTTON
from bot import runtime
from bot.settings import get_settings


class ActionRecordFeedback(Action):
    """Stores 👍/👎 against the entry answered last; after 👎 offers a human and the portal."""

    def name(self) -> str:
        return "action_record_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        helpful = (tracker.latest_message.get("intent") or {}).get("name") == "feedback_good"
        entry_id = tracker.get_slot("last_entry")
        if entry_id:
            runtime.inbox().record_feedback(tracker.sender_id, entry_id, helpful)
        if helpful:
            dispatcher.utter_message(text="Dạ, em cảm ơn anh/chị đã phản hồi ạ.")
            return []
        dispatcher.utter_message(
            text=(
                "Dạ, em xin lỗi vì câu trả lời chưa đúng ý. Em đã ghi nhận để cán bộ rà soát. "
                "Anh/chị có thể hỏi lại cụ thể hơn, xem trên Cổng dịch vụ công "
                f"({get_settings().portal_link}) hoặc gặp cán bộ hỗ trợ ạ."
            ),
            buttons=[HUMAN_BUTTON],
        )
        return [SlotSet("handover_offered", True)]
