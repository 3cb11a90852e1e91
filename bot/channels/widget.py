"""The portal's web widget: request and response shapes of the gateway's chat endpoint."""

from __future__ import annotations

from pydantic import BaseModel, Field

from bot.channels.models import Reply

SENDER_PATTERN = r"^[A-Za-z0-9_.:\-]{1,64}$"


class WidgetMessage(BaseModel):
    """A message typed (or a button clicked) in the web widget."""

    sender: str = Field(pattern=SENDER_PATTERN, description="Stable id of the conversation")
    message: str = Field(description="The user's text or a button payload")


class WidgetResponse(BaseModel):
    """Everything the assistant answered to one message, in order."""

    sender: str
    replies: list[Reply]
