"""Records hand-over requests, feedback and web-chat turns (SQLite by default, any SQLAlchemy
URL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import create_engine, delete, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from bot.inbox.models import CALLBACK, ChatTurn, Feedback, HandoverRequest, StaffSession, utcnow
from bot.inbox.schema import ensure_schema

PURGED = "purged"
"""Conversation id left on anonymised feedback."""


class InboxStore:
    """A small repository over the inbox tables; migrates the database on first use."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url)
        ensure_schema(self._engine)
        self._session = sessionmaker(self._engine, expire_on_commit=False)

    def ping(self) -> None:
        """One round trip to the database; raises when it cannot be reached."""
        with self._engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def open_handover(
        self, conversation_id: str, last_message: str, procedure: str | None
    ) -> HandoverRequest:
        """Record a request for a human, or return the one already open for this conversation."""
        with self._session.begin() as session:
            existing = session.scalars(
                select(HandoverRequest).where(
                    HandoverRequest.conversation_id == conversation_id,
                    HandoverRequest.status == "open",
                )
            ).first()
            if existing:
                return existing
            request = HandoverRequest(
                conversation_id=conversation_id,
                last_message=last_message[:1000],
                procedure=procedure,
            )
            session.add(request)
            session.flush()
            return request

    def leave_callback(
        self, conversation_id: str, question: str, contact: str, procedure: str | None
    ) -> HandoverRequest:
        """Turn the conversation's open hand-over request into a callback to ``contact`` about
        ``question`` (opening one if there is none)."""
        with self._session.begin() as session:
            request = session.scalars(
                select(HandoverRequest).where(
                    HandoverRequest.conversation_id == conversation_id,
                    HandoverRequest.status == "open",
                )
            ).first()
            if request is None:
                request = HandoverRequest(conversation_id=conversation_id, procedure=procedure)
                session.add(request)
            request.kind = CALLBACK
            request.contact = contact
            request.last_message = question[:1000]
            session.flush()
            return request

    def staff_seen_since(self, cutoff: dt.datetime) -> bool:
        """Whether an unexpired staff console session made a request after ``cutoff``."""
        with Session(self._engine) as session:
            seen = session.scalars(
                select(StaffSession.token_hash)
                .where(StaffSession.last_seen_at >= cutoff, StaffSession.expires_at > utcnow())
                .limit(1)
            ).first()
        return seen is not None

    def record_feedback(self, conversation_id: str, entry_id: str, helpful: bool) -> Feedback:
        with self._session.begin() as session:
            feedback = Feedback(conversation_id=conversation_id, entry_id=entry_id, helpful=helpful)
            session.add(feedback)
            session.flush()
            return feedback

    def feedback_summary(self) -> dict[str, tuple[int, int]]:
        """Per entry: (helpful, not helpful) counts."""
        with Session(self._engine) as session:
            rows = session.execute(
                select(Feedback.entry_id, Feedback.helpful, func.count()).group_by(
                    Feedback.entry_id, Feedback.helpful
                )
            ).all()
        summary: dict[str, tuple[int, int]] = {}
        for entry_id, helpful, count in rows:
            good, bad = summary.get(entry_id, (0, 0))
            summary[entry_id] = (good + count, bad) if helpful else (good, bad + count)
        return summary

    def open_handovers(self) -> list[HandoverRequest]:
        with Session(self._engine) as session:
            return list(
                session.scalars(
                    select(HandoverRequest)
                    .where(HandoverRequest.status == "open")
                    .order_by(HandoverRequest.created_at)
                )
            )

    def handover(self, request_id: int) -> HandoverRequest | None:
        with Session(self._engine) as session:
            return session.get(HandoverRequest, request_id)

    def recent_handovers(self, limit: int) -> list[HandoverRequest]:
        """The latest hand-over requests, open or answered, newest first."""
        with Session(self._engine) as session:
            return list(
                session.scalars(
                    select(HandoverRequest).order_by(HandoverRequest.id.desc()).limit(limit)
                )
            )

    def mark_handover(self, request_id: int, status: str) -> None:
        with self._session.begin() as session:
            session.execute(
                update(HandoverRequest)
                .where(HandoverRequest.id == request_id)
                .values(status=status)
            )

    def record_turn(
        self, conversation_id: str, user_text: str, replies: list[dict[str, Any]]
    ) -> ChatTurn:
        """Keep one exchange of a conversation (the citizen's text and the replies)."""
        with self._session.begin() as session:
            turn = ChatTurn(conversation_id=conversation_id, user_text=user_text, replies=replies)
            session.add(turn)
            session.flush()
            return turn

    def turns(self, conversation_id: str, limit: int) -> list[ChatTurn]:
        """The last ``limit`` exchanges of a conversation, oldest first."""
        with Session(self._engine) as session:
            latest = list(
                session.scalars(
                    select(ChatTurn)
                    .where(ChatTurn.conversation_id == conversation_id)
                    .order_by(ChatTurn.id.desc())
                    .limit(limit)
                )
            )
        return latest[::-1]

    def purge_turns_before(self, cutoff: dt.datetime) -> int:
        """Delete chat turns (the citizen's words) recorded before ``cutoff``; how many."""
        with self._session.begin() as session:
            return session.execute(delete(ChatTurn).where(ChatTurn.created_at < cutoff)).rowcount

    def purge_before(self, cutoff: dt.datetime) -> tuple[int, int]:
        """Delete hand-over requests (they hold the citizen's words and callback contacts)
        created before ``cutoff`` and anonymise older feedback (the per-entry counts stay for curators). Returns
        (requests deleted, feedback anonymised)."""
        with self._session.begin() as session:
            deleted = session.execute(
                delete(HandoverRequest).where(HandoverRequest.created_at < cutoff)
            ).rowcount
            anonymised = session.execute(
                update(Feedback)
                .where(Feedback.created_at < cutoff, Feedback.conversation_id != PURGED)
                .values(conversation_id=PURGED)
            ).rowcount
        return deleted, anonymised
