"""Whether an answer helped, recorded per knowledge-base entry for curators."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replies import UsesAnswers, emit


class ActionRecordFeedback(UsesAnswers, Action):
    """Stores 👍/👎 against the entry answered last; after 👎 offers a human and the portal."""

    def name(self) -> str:
        return "action_record_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        helpful = (tracker.latest_message.get("intent") or {}).get("name") == "feedback_good"
        outcome = await self.answers.feedback(
            tracker.sender_id, tracker.get_slot("last_entry"), helpful
        )
        return emit(dispatcher, outcome)
