"""The portal's web widget: request and response shapes of the gateway's chat endpoints, and
the rule that keeps widget conversations in their own namespace."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from bot.channels.models import Reply

SENDER_PATTERN = r"^[A-Za-z0-9_.:\-]{1,64}$"
WEB_PREFIX = "web:"
"""Every widget conversation id the gateway uses starts with this; other channels have theirs."""


class ForeignSenderError(ValueError):
    """A widget sender that names another channel's namespace (``zalo:…``, ``fb:…``)."""


def web_conversation_id(sender: str) -> str:
    """The server's id for a widget conversation: ``web:`` + what the browser chose. A sender
    that already starts with ``web:`` is kept; one naming another namespace is refused, so a
    browser can never speak or read history as a Zalo or Messenger user."""
    if sender.startswith(WEB_PREFIX):
        return sender
    if ":" in sender:
        raise ForeignSenderError(sender.partition(":")[0])
    return WEB_PREFIX + sender


class WidgetMessage(BaseModel):
    """A message typed (or a button clicked) in the web widget."""

    sender: str = Field(pattern=SENDER_PATTERN, description="Stable id of the conversation")
    message: str = Field(description="The user's text or a button payload")
    shown: str | None = Field(
        None,
        max_length=200,
        description="What the widget showed as the user's message (a clicked button's title); "
        "kept in the history instead of the payload",
    )


class WidgetResponse(BaseModel):
    """Everything the assistant answered to one message, in order."""

    sender: str = Field(description="The conversation id the gateway used (always web:…)")
    replies: list[Reply]


class HistoryTurn(BaseModel):
    """One exchange: the citizen's message as shown, and the replies."""

    user: str
    replies: list[Reply]
    at: dt.datetime


class HistoryResponse(BaseModel):
    """A widget conversation as the gateway stored it, oldest exchange first."""

    sender: str
    turns: list[HistoryTurn]
