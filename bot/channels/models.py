"""Channel-neutral reply model: what the assistant says, before a channel renders it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Button(BaseModel):
    """A choice the user can click; ``payload`` is sent back as the next message."""

    title: str
    payload: str


HANDOVER_BUTTON = Button(title="Gặp cán bộ hỗ trợ", payload="/talk_to_human")


class SearchOutcome(BaseModel):
    """What the search decided for a reply, as the action reported it (``custom.search``)."""

    decision: str = Field(description="answer, guess, clarify or none")
    entry: str | None = Field(description="The entry answered (or the best candidate)")
    confidence: float | None


class Reply(BaseModel):
    """One message from the assistant."""

    text: str = ""
    buttons: list[Button] = Field(default_factory=list)
    link: str | None = None
    search: SearchOutcome | None = Field(
        None, exclude=True, description="Recorded for staff; never rendered nor sent to clients"
    )

    @classmethod
    def from_rasa(cls, message: dict[str, Any]) -> Reply:
        """Build a reply from one message of Rasa's REST channel."""
        custom = message.get("custom") or {}
        if not isinstance(custom, dict):
            custom = {}
        outcome = custom.get("search")
        return cls(
            text=message.get("text") or "",
            buttons=[
                Button(title=b["title"], payload=b["payload"]) for b in message.get("buttons") or []
            ],
            link=custom.get("link"),
            search=SearchOutcome.model_validate(outcome) if isinstance(outcome, dict) else None,
        )
