"""Questions, topic follow-ups and out-of-scope messages, answered by the answer service."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replies import UsesAnswers, emit, latest_text


class ActionAnswerQuestion(UsesAnswers, Action):
    """Answer a clicked choice, or search for the user's question and answer, clarify or decline."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        entry_id = next(tracker.get_latest_entity_values("entry_id"), None)
        outcome = await self.answers.question(
            latest_text(tracker), str(entry_id) if entry_id else None
        )
        return emit(dispatcher, outcome)


class ActionAnswerTopic(UsesAnswers, Action):
    """A follow-up naming only a topic ("còn lệ phí?") answers it for the current procedure."""

    def name(self) -> str:
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        procedure = tracker.get_slot("current_procedure")
        outcome = await self.answers.topic(latest_text(tracker), procedure)
        return emit(dispatcher, outcome)


class ActionOutOfScope(UsesAnswers, Action):
    """NLU thinks it is out of scope: answer only if the search is confident, never clarify."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return emit(dispatcher, await self.answers.out_of_scope(latest_text(tracker)))
