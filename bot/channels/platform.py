"""What the platform channels (Zalo OA, Messenger) exchange with the delivery pipeline."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from bot.channels.senders import platform_sender


class EventKind(StrEnum):
    TEXT = "text"
    """The user typed text or picked a choice (``text`` holds the text or the payload)."""
    UNSUPPORTED = "unsupported"
    """An image, sticker, file…: answered with a text-only notice."""
    FOLLOW = "follow"
    """The user followed the account: answered with a greeting."""
    STAFF = "staff"
    """Not from the user: a staff member's reply to a hand-over request, queued answered."""


UNSUPPORTED_NOTICE = (
    "Dạ, hiện em chỉ đọc được tin nhắn chữ, chưa xem được hình ảnh, nhãn dán hay tệp đính kèm. "
    "Anh/chị vui lòng gõ câu hỏi bằng chữ giúp em ạ."
)
FOLLOW_MESSAGE = "/greet"
"""What a new follower says to the dialogue: its greeting intent."""


class IncomingEvent(BaseModel):
    """One user event of a verified webhook, in the platform's order."""

    channel: str
    message_id: str = Field(description="The platform's id of the event (the dedupe key)")
    user_id: str = Field(description="The platform's id of the user")
    sender: str = Field(description="Our conversation id (prefixed)")
    kind: EventKind
    text: str = ""


def incoming(
    channel: str, message_id: str, user_id: str, kind: EventKind, text: str
) -> IncomingEvent:
    """The event of ``user_id`` on ``channel``, with our conversation id for that user."""
    return IncomingEvent(
        channel=channel,
        message_id=message_id,
        user_id=user_id,
        sender=platform_sender(channel, user_id),
        kind=kind,
        text=text,
    )


class Rendering(BaseModel):
    """One turn's replies as platform API bodies, in sending order."""

    bodies: list[dict[str, Any]]
    choices: list[str] = Field(
        default_factory=list, description="Payloads offered as a numbered list (1-based)"
    )


class SignatureError(Exception):
    """A webhook's signature is missing (401) or invalid or stale (403)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
