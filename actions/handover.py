"""Hand the conversation over to a civil servant."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replies import UsesAnswers, emit


def last_question(tracker: Tracker) -> str:
    """The user's last message that was not the request for a human itself."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
        if intent not in {"talk_to_human", "affirm"}:
            return str(event.get("text") or "")
    return ""


class ActionHandover(UsesAnswers, Action):
    """Records the request with the conversation id and tells the user what happens next."""

    def name(self) -> str:
        return "action_handover"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        outcome = await self.answers.handover(
            tracker.sender_id, last_question(tracker), tracker.get_slot("current_procedure")
        )
        return emit(dispatcher, outcome)


class ActionDeclineHandover(Action):
    """The user does not want a human after all."""

    def name(self) -> str:
        return "action_decline_handover"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("handover_offered", False)]
