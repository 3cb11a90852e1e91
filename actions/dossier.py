"""Dossier status: the form that asks for the code, the status reply, and personal details."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replies import UsesAnswers, UsesDossiers, latest_text, say
from bot.answers.dossier import MAX_REASKS


def client(action: UsesDossiers, tracker: Tracker) -> str:
    """The end client's id the gateway put in the message metadata (or the sender's pseudonym)."""
    metadata = tracker.latest_message.get("metadata")
    return action.dossiers.client(metadata, tracker.sender_id)


def attempts(tracker: Tracker) -> int:
    return int(tracker.get_slot("dossier_code_attempts") or 0)


class ValidateDossierForm(UsesDossiers, FormValidationAction):
    """Finds a dossier code in what the user typed; re-asks at most twice, with an example."""

    def name(self) -> str:
        return "validate_dossier_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return [] if attempts(tracker) > MAX_REASKS else domain_slots

    async def validate_dossier_code(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        code = self.dossiers.read_code(str(slot_value or ""))
        if code:
            return {"dossier_code": code, "dossier_code_attempts": 0}
        tried = attempts(tracker) + 1
        say(dispatcher, self.dossiers.gave_up(tried))
        return {"dossier_code": None, "dossier_code_attempts": tried}


class ActionAskDossierCode(UsesDossiers, Action):
    """Asks for the dossier code; after a malformed one, says why and shows the format."""

    def name(self) -> str:
        return "action_ask_dossier_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        say(dispatcher, self.dossiers.ask_code(attempts(tracker)))
        return []


class ActionCheckDossier(UsesDossiers, Action):
    """Asks the portal for the dossier's status once the form has a valid code."""

    def name(self) -> str:
        return "action_check_dossier"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        code = tracker.get_slot("dossier_code")
        reset: list[EventType] = [
            SlotSet("dossier_code", None),
            SlotSet("dossier_code_attempts", 0),
        ]
        if not code:
            return reset
        reply, checked = await self.dossiers.status(code, client(self, tracker))
        say(dispatcher, reply)
        return [*reset, SlotSet("checked_dossier", checked)] if checked else reset


class ActionDossierDetails(UsesDossiers, Action):
    """Details of the last checked dossier, after the owner check (4 ASCII digits of the phone)."""

    def name(self) -> str:
        return "action_dossier_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        typed = f"{latest_text(tracker)} {tracker.get_slot('last4') or ''}"
        code = tracker.get_slot("checked_dossier")
        say(dispatcher, await self.dossiers.details(code, typed, client(self, tracker)))
        return [SlotSet("last4", None)]


class ActionStopDossierForm(UsesAnswers, Action):
    """The user leaves the dossier form; the procedure being discussed is kept."""

    def name(self) -> str:
        return "action_stop_dossier_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        say(dispatcher, self.answers.reminder(tracker.get_slot("current_procedure")))
        return [
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            SlotSet("dossier_code", None),
            SlotSet("dossier_code_attempts", 0),
        ]
