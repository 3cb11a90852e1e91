"""The callback form: when no civil servant is available, the citizen leaves a question and a
phone number or email, which the inbox keeps (the wording and checks are the answer service's)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replies import UsesAnswers, emit, say
from bot.answers import Reply, texts


class ValidateCallbackForm(UsesAnswers, FormValidationAction):
    """Keeps the question as typed; accepts a contact only when it holds a phone number or email."""

    def name(self) -> str:
        return "validate_callback_form"

    async def validate_callback_question(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        question = str(slot_value or "").strip()
        return {"callback_question": question or None}

    async def validate_callback_contact(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        contact, reply = self.answers.read_contact(str(slot_value or ""))
        say(dispatcher, reply)
        return {"callback_contact": contact}


class ActionAskCallbackQuestion(Action):
    def name(self) -> str:
        return "action_ask_callback_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        say(dispatcher, Reply(text=texts.ASK_CALLBACK_QUESTION))
        return []


class ActionAskCallbackContact(Action):
    def name(self) -> str:
        return "action_ask_callback_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        say(dispatcher, Reply(text=texts.ASK_CALLBACK_CONTACT))
        return []


class ActionSubmitCallback(UsesAnswers, Action):
    """Keeps the callback in the inbox and confirms it with the request code."""

    def name(self) -> str:
        return "action_submit_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        question = tracker.get_slot("callback_question")
        contact = tracker.get_slot("callback_contact")
        if not question or not contact:
            return []
        outcome = await self.answers.leave_callback(
            tracker.sender_id, question, contact, tracker.get_slot("current_procedure")
        )
        return emit(dispatcher, outcome)


class ActionStopCallbackForm(Action):
    """The citizen declines the callback: the form stops and nothing is kept."""

    def name(self) -> str:
        return "action_stop_callback_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return [
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            SlotSet("callback_question", None),
            SlotSet("callback_contact", None),
        ]
