"""Turns the gateway's view of one message (sender, text, replies, time taken) into a stored,
anonymous turn of the conversation store, and records feedback clicks on the answer they judge."""

from __future__ import annotations

import structlog
from sqlalchemy.exc import SQLAlchemyError

from bot.channels.models import Reply
from bot.channels.senders import channel_of
from bot.inbox.conversations import OTHER, ConversationStore, TurnRecord
from bot.privacy import pseudonym
from bot.redact import redact

log = structlog.get_logger(__name__)

FEEDBACK_PAYLOADS = {"/feedback_good": True, "/feedback_bad": False}


def turn_record(
    sender: str, text: str, replies: list[Reply], latency_ms: int, hash_key: str
) -> TurnRecord:
    """The stored form of one turn: the search outcome is the first one a reply carries."""
    outcome = next((reply.search for reply in replies if reply.search), None)
    return TurnRecord(
        channel=channel_of(sender),
        user_id=pseudonym(sender, hash_key),
        text=redact(text),
        decision=outcome.decision if outcome else OTHER,
        entry_id=outcome.entry if outcome else None,
        confidence=outcome.confidence if outcome else None,
        latency_ms=latency_ms,
    )


class TurnRecorder:
    """Observer of the conversation pipeline; a database failure is logged, never raised (the
    citizen's answer matters more than its statistics)."""

    def __init__(self, store: ConversationStore, hash_key: str) -> None:
        self._store = store
        self._hash_key = hash_key

    def __call__(self, sender: str, text: str, replies: list[Reply], latency_ms: int) -> None:
        turn = turn_record(sender, text, replies, latency_ms, self._hash_key)
        try:
            self._store.record(turn)
            if text in FEEDBACK_PAYLOADS:
                self._store.record_feedback(turn.user_id, FEEDBACK_PAYLOADS[text])
        except SQLAlchemyError as exc:
            log.warning("turn_not_recorded", channel=turn.channel, error=type(exc).__name__)
