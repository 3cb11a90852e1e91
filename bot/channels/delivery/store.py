"""The channel delivery queue in a database (SQLite by default, any SQLAlchemy URL)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.channels.delivery.models import (
    OPEN_STATUSES,
    IncomingMessage,
    IncomingStatus,
    OfferedChoices,
    OutgoingMessage,
    OutgoingStatus,
    ZaloToken,
    utcnow,
)
from bot.channels.platform import EventKind, IncomingEvent, Rendering
from bot.inbox.schema import ensure_schema

TOKEN_ROW = 1


def as_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` as an aware UTC time (SQLite hands back naive ones)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class QueuedMessage:
    id: int
    channel: str
    user_id: str
    sender: str
    kind: str
    text: str
    status: str


@dataclass(frozen=True)
class QueuedSend:
    id: int
    body: dict[str, Any]


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: dt.datetime | None


class DeliveryStore:
    """Incoming events (deduplicated on the platform's id), the outbox of rendered replies, the
    choices last offered per user and the Zalo token pair; migrates the database on first use."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url)
        ensure_schema(self._engine)
        self._session = sessionmaker(self._engine, expire_on_commit=False)

    def enqueue(self, event: IncomingEvent) -> bool:
        """Queue ``event``; False when the platform delivered it before (kept only once)."""
        try:
            with self._session.begin() as session:
                session.add(
                    IncomingMessage(
                        channel=event.channel,
                        message_id=event.message_id,
                        user_id=event.user_id,
                        sender=event.sender,
                        kind=event.kind,
                        text=event.text,
                    )
                )
        except IntegrityError:
            return False
        return True

    def senders_with_work(self) -> list[str]:
        """Senders with an unfinished message, the longest waiting first."""
        with self._session() as session:
            rows = session.execute(
                select(IncomingMessage.sender, func.min(IncomingMessage.id).label("first"))
                .where(IncomingMessage.status.in_(OPEN_STATUSES))
                .group_by(IncomingMessage.sender)
                .order_by("first")
            ).all()
        return [sender for sender, _ in rows]

    def next_for(self, sender: str) -> QueuedMessage | None:
        """The sender's oldest unfinished message."""
        with self._session() as session:
            row = session.scalars(
                select(IncomingMessage)
                .where(IncomingMessage.sender == sender, IncomingMessage.status.in_(OPEN_STATUSES))
                .order_by(IncomingMessage.id)
                .limit(1)
            ).first()
        if row is None:
            return None
        return QueuedMessage(
            row.id, row.channel, row.user_id, row.sender, row.kind, row.text, row.status
        )

    def retry_later(self, incoming_id: int, error: str) -> None:
        """Count a try that could not reach the assistant; the message stays queued."""
        with self._session.begin() as session:
            session.execute(
                update(IncomingMessage)
                .where(IncomingMessage.id == incoming_id)
                .values(
                    attempts=IncomingMessage.attempts + 1, error=error[:2000], updated_at=utcnow()
                )
            )

    def save_answer(self, incoming_id: int, sender: str, rendering: Rendering) -> None:
        """Put the rendered answer in the outbox and remember the choices offered, at once."""
        with self._session.begin() as session:
            for seq, body in enumerate(rendering.bodies):
                session.add(
                    OutgoingMessage(
                        incoming_id=incoming_id,
                        seq=seq,
                        body=json.dumps(body, ensure_ascii=False),
                    )
                )
            session.merge(OfferedChoices(sender=sender, payloads=json.dumps(rendering.choices)))
            session.execute(
                update(IncomingMessage)
                .where(IncomingMessage.id == incoming_id)
                .values(status=IncomingStatus.ANSWERED, updated_at=utcnow())
            )

    def enqueue_reply(self, channel: str, user_id: str, sender: str, rendering: Rendering) -> int:
        """Queue a message nobody asked for just now (a staff member's reply to a hand-over) as
        an answered entry: the worker sends its parts like any answer. Returns its id."""
        with self._session.begin() as session:
            incoming = IncomingMessage(
                channel=channel,
                message_id=f"staff-{uuid.uuid4()}",
                user_id=user_id,
                sender=sender,
                kind=EventKind.STAFF,
                text="",
                status=IncomingStatus.ANSWERED,
            )
            session.add(incoming)
            session.flush()
            for seq, body in enumerate(rendering.bodies):
                session.add(
                    OutgoingMessage(
                        incoming_id=incoming.id,
                        seq=seq,
                        body=json.dumps(body, ensure_ascii=False),
                    )
                )
            return incoming.id

    def unsent(self, incoming_id: int) -> list[QueuedSend]:
        """The answer's parts not sent yet, in order."""
        with self._session() as session:
            rows = session.scalars(
                select(OutgoingMessage)
                .where(
                    OutgoingMessage.incoming_id == incoming_id,
                    OutgoingMessage.status == OutgoingStatus.PENDING,
                )
                .order_by(OutgoingMessage.seq)
            ).all()
        return [QueuedSend(row.id, json.loads(row.body)) for row in rows]

    def mark_sent(self, outgoing_id: int, attempts: int) -> None:
        with self._session.begin() as session:
            session.execute(
                update(OutgoingMessage)
                .where(OutgoingMessage.id == outgoing_id)
                .values(status=OutgoingStatus.SENT, attempts=attempts)
            )

    def mark_failed(self, incoming_id: int, outgoing_id: int, attempts: int, error: str) -> None:
        """Record a part that could not be sent; the rest of the answer is skipped."""
        with self._session.begin() as session:
            session.execute(
                update(OutgoingMessage)
                .where(OutgoingMessage.id == outgoing_id)
                .values(status=OutgoingStatus.FAILED, attempts=attempts, error=error[:2000])
            )
            session.execute(
                update(OutgoingMessage)
                .where(
                    OutgoingMessage.incoming_id == incoming_id,
                    OutgoingMessage.status == OutgoingStatus.PENDING,
                )
                .values(status=OutgoingStatus.SKIPPED)
            )
            session.execute(
                update(IncomingMessage)
                .where(IncomingMessage.id == incoming_id)
                .values(status=IncomingStatus.FAILED, error=error[:2000], updated_at=utcnow())
            )

    def finish(self, incoming_id: int) -> None:
        with self._session.begin() as session:
            session.execute(
                update(IncomingMessage)
                .where(IncomingMessage.id == incoming_id)
                .values(status=IncomingStatus.DONE, updated_at=utcnow())
            )

    def choices(self, sender: str) -> list[str]:
        with self._session() as session:
            row = session.get(OfferedChoices, sender)
        return list(json.loads(row.payloads)) if row else []

    def status_counts(self) -> dict[str, int]:
        """Incoming messages per status (for operators and tests)."""
        with self._session() as session:
            rows = session.execute(
                select(IncomingMessage.status, func.count()).group_by(IncomingMessage.status)
            ).all()
        return {status: count for status, count in rows}

    def purge_before(self, cutoff: dt.datetime) -> int:
        """Delete finished messages (they hold the citizen's words and the answers) received
        before ``cutoff``; returns how many incoming messages went."""
        with self._session.begin() as session:
            ids = select(IncomingMessage.id).where(
                IncomingMessage.received_at < cutoff,
                IncomingMessage.status.not_in(OPEN_STATUSES),
            )
            session.execute(delete(OutgoingMessage).where(OutgoingMessage.incoming_id.in_(ids)))
            return session.execute(
                delete(IncomingMessage).where(IncomingMessage.id.in_(ids))
            ).rowcount

    # The Zalo OA token pair

    def seed_zalo_tokens(self, access_token: str, refresh_token: str) -> None:
        """Start from the configured tokens, unless the database already holds the pair rotated
        from the same configured refresh token."""
        with self._session.begin() as session:
            row = session.get(ZaloToken, TOKEN_ROW)
            if row is not None and row.seed_refresh_token == refresh_token:
                return
            session.merge(
                ZaloToken(
                    id=TOKEN_ROW,
                    access_token=access_token,
                    refresh_token=refresh_token,
                    expires_at=None,
                    seed_refresh_token=refresh_token,
                    updated_at=utcnow(),
                )
            )

    def zalo_tokens(self) -> TokenPair:
        with self._session() as session:
            row = session.get(ZaloToken, TOKEN_ROW)
        if row is None:
            return TokenPair("", "", None)
        expires = as_utc(row.expires_at) if row.expires_at else None
        return TokenPair(row.access_token, row.refresh_token, expires)

    def save_zalo_tokens(self, pair: TokenPair) -> None:
        with self._session.begin() as session:
            session.execute(
                update(ZaloToken)
                .where(ZaloToken.id == TOKEN_ROW)
                .values(
                    access_token=pair.access_token,
                    refresh_token=pair.refresh_token,
                    expires_at=pair.expires_at,
                    updated_at=utcnow(),
                )
            )

    def expire_zalo_access_token(self, access_token: str) -> None:
        """Mark ``access_token`` expired (the API refused it), unless it was replaced already."""
        with self._session.begin() as session:
            session.execute(
                update(ZaloToken)
                .where(ZaloToken.id == TOKEN_ROW, ZaloToken.access_token == access_token)
                .values(expires_at=dt.datetime(1970, 1, 1, tzinfo=dt.UTC), updated_at=utcnow())
            )
