"""What the answer service hands back: channel-neutral replies and the conversation state to keep."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from bot.answers import texts
from bot.channels.models import HANDOVER_BUTTON, Button

MAX_CHOICES = 3
"""Most procedures offered as buttons when the search hesitates."""

FEEDBACK_BUTTONS = [
    Button(title=texts.FEEDBACK_GOOD_BUTTON, payload="/feedback_good"),
    Button(title=texts.FEEDBACK_BAD_BUTTON, payload="/feedback_bad"),
]
NO_THANKS = Button(title=texts.NO_THANKS_BUTTON, payload="/deny")
NONE_OF_THESE = Button(title=texts.NONE_OF_THESE_BUTTON, payload="/feedback_bad")
CHECK_DOSSIER = Button(title=texts.CHECK_DOSSIER_BUTTON, payload="/check_dossier")
RETYPE_CODE = Button(title=texts.RETYPE_CODE_BUTTON, payload="/check_dossier")

__all__ = ["HANDOVER_BUTTON", "Button", "Outcome", "Reply", "entry_button", "follow_up_buttons"]


class Reply(BaseModel):
    """One message: text, buttons, and ``custom`` data for the channels (e.g. the source link)."""

    text: str
    buttons: list[Button] = Field(default_factory=list)
    custom: dict[str, Any] = Field(default_factory=dict)

    def message(self) -> dict[str, Any]:
        """The keyword arguments of ``dispatcher.utter_message`` for this reply."""
        return {
            "text": self.text,
            "buttons": [button.model_dump() for button in self.buttons],
            "custom": dict(self.custom),
        }


class Outcome(BaseModel):
    """The replies to send and the slots to set, in order, then the action (a form) to run
    next, if any."""

    replies: list[Reply] = Field(default_factory=list)
    slots: dict[str, Any] = Field(default_factory=dict)
    follow_up: str | None = None


def entry_button(title: str, entry_id: str) -> Button:
    """A button that answers ``entry_id`` when clicked (``/ask_question{"entry_id": …}``)."""
    return Button(title=title, payload="/ask_question" + json.dumps({"entry_id": entry_id}))


def follow_up_buttons(procedure: str, answered_topic: str | None) -> list[Button]:
    """Other topics of the same procedure, as the next useful step."""
    return [
        entry_button(title, f"{procedure}:{topic}")
        for topic, title in texts.FOLLOW_UP_BUTTONS.items()
        if topic != answered_topic
    ][:3]


def search_outcome(decision: str, entry_id: str | None, confidence: float | None) -> dict[str, Any]:
    """What the search decided for a reply (``answer`` / ``clarify`` / ``none``), carried in the
    message's ``custom`` metadata under ``search``: the gateway records it for staff (the
    conversation store); channels never show it."""
    return {"decision": decision, "entry": entry_id, "confidence": confidence}
