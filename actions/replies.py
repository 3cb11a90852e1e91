"""What every action shares: the answer service, and its outcome as Rasa messages and events."""

from __future__ import annotations

from collections.abc import Callable

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import runtime
from bot.answers import AnswerService, DossierAnswers, Outcome, Reply

AnswersProvider = Callable[[], AnswerService]
DossiersProvider = Callable[[], DossierAnswers]


class UsesAnswers:
    """Gives an action the answer service: ``bot.runtime``'s (the knowledge being served, so a
    reload is picked up by the next message) unless a test passes its own provider."""

    def __init__(self, answers: AnswersProvider = runtime.answers) -> None:
        super().__init__()
        self._answers = answers

    @property
    def answers(self) -> AnswerService:
        return self._answers()


class UsesDossiers:
    """Gives an action the dossier form's answers: ``bot.runtime``'s unless a test passes its own."""

    def __init__(self, dossiers: DossiersProvider = runtime.dossiers) -> None:
        super().__init__()
        self._dossiers = dossiers

    @property
    def dossiers(self) -> DossierAnswers:
        return self._dossiers()


def say(dispatcher: CollectingDispatcher, *replies: Reply | None) -> None:
    """Send each reply (``None`` sends nothing)."""
    for reply in replies:
        if reply is not None:
            dispatcher.utter_message(**reply.message())


def emit(dispatcher: CollectingDispatcher, outcome: Outcome) -> list[EventType]:
    """Send the outcome's replies; its slots become ``SlotSet`` events, in order, then its
    follow-up a ``FollowupAction``."""
    say(dispatcher, *outcome.replies)
    events: list[EventType] = [SlotSet(name, value) for name, value in outcome.slots.items()]
    if outcome.follow_up:
        events.append(FollowupAction(outcome.follow_up))
    return events


def latest_text(tracker: Tracker) -> str:
    """The text of the user's latest message."""
    return str(tracker.latest_message.get("text") or "")
