"""Hand the conversation over to a civil servant."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import runtime
from bot.settings import get_settings


def last_question(tracker: Tracker) -> str:
    """The user's last message that was not the request for a human itself."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
        if intent not in {"talk_to_human", "affirm"}:
            return str(event.get("text") or "")
    return ""


class ActionHandover(Action):
    """Records the request with the conversation id and tells the user what happens next."""

    def name(self) -> str:
        return "action_handover"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        request = runtime.inbox().open_handover(
            conversation_id=tracker.sender_id,
            last_message=last_question(tracker),
            procedure=tracker.get_slot("current_procedure"),
        )
        dispatcher.utter_message(
            text=(
                f"Dạ, em đã chuyển yêu cầu của anh/chị tới cán bộ hỗ trợ (mã yêu cầu YC-{request.id}). "
                "Cán bộ sẽ trả lời ngay trong cuộc trò chuyện này trong giờ hành chính; anh/chị "
                "không cần nhắn lại. Nếu việc gấp, anh/chị có thể liên hệ bộ phận một cửa qua "
                f"thông tin trên Cổng dịch vụ công: {get_settings().portal_link}"
            )
        )
        return [SlotSet("handover_offered", False)]


class ActionDeclineHandover(Action):
    """The user does not want a human after all."""

    def name(self) -> str:
        return "action_decline_handover"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("handover_offered", False)]
