"""Tables of the channel delivery queue."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class IncomingStatus(StrEnum):
    PENDING = "pending"
    """Received, not answered yet."""
    ANSWERED = "answered"
    """The replies are in the outbox; some may still be unsent."""
    DONE = "done"
    FAILED = "failed"
    """A reply could not be sent after every try (the error is recorded)."""


OPEN_STATUSES = (IncomingStatus.PENDING, IncomingStatus.ANSWERED)


class OutgoingStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    """Not sent because an earlier part of the same answer failed."""


class IncomingMessage(Base):
    """A user's event from a platform webhook, unique per platform message id."""

    __tablename__ = "channel_incoming"
    __table_args__ = (UniqueConstraint("channel", "message_id", name="uq_channel_incoming_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(128))
    sender: Mapped[str] = mapped_column(String(160), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=IncomingStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutgoingMessage(Base):
    """One platform API body of an answer, sent in ``seq`` order."""

    __tablename__ = "channel_outgoing"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incoming_id: Mapped[int] = mapped_column(Integer, index=True)
    seq: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=OutgoingStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OfferedChoices(Base):
    """The payloads last offered to a user as a numbered list (answered with a number)."""

    __tablename__ = "channel_choices"

    sender: Mapped[str] = mapped_column(String(160), primary_key=True)
    payloads: Mapped[str] = mapped_column(Text)


class ZaloToken(Base):
    """The Zalo OA token pair (one row), rotated by each refresh."""

    __tablename__ = "zalo_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    access_token: Mapped[str] = mapped_column(Text, default="")
    refresh_token: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    seed_refresh_token: Mapped[str] = mapped_column(
        Text, default="", doc="The configured refresh token the row started from"
    )
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
