"""The conversation store: every turn of every channel, without identity (a keyed pseudonym of
the sender, the text with personal data masked), and the figures the staff console shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy import create_engine, delete, func, or_, select, update
from sqlalchemy.orm import sessionmaker

from bot.inbox.models import ConversationTurn
from bot.inbox.schema import ensure_schema

ANSWER = "answer"
GUESS = "guess"
"""The best match shown as a guess, before the other choices."""
CLARIFY = "clarify"
UNANSWERED = "none"
OTHER = "other"
"""Decision of a turn no search decided (greetings, dossier look-ups, feedback clicks…)."""
PAYLOAD_PREFIX = "/"
"""Clicked buttons send their payload (``/feedback_good``): not questions."""


class TurnRecord(BaseModel):
    """One turn as it is stored."""

    channel: str = Field(description="web, zalo, messenger or other (from the sender prefix)")
    user_id: str = Field(description="Keyed pseudonym of the sender")
    text: str = Field(description="The citizen's text, personal data masked")
    decision: str
    entry_id: str | None
    confidence: float | None
    latency_ms: int = Field(ge=0)


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    channel: str
    count: int


class ConversationStore:
    """Writes turns and answers the console's questions about them."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url)
        ensure_schema(self._engine)
        self._session = sessionmaker(self._engine, expire_on_commit=False)

    def record(self, turn: TurnRecord) -> ConversationTurn:
        with self._session.begin() as session:
            row = ConversationTurn(**turn.model_dump())
            session.add(row)
            session.flush()
            return row

    def record_feedback(self, user_id: str, helpful: bool) -> bool:
        """Mark the user's latest answered turn helpful or not; False when there is none."""
        with self._session.begin() as session:
            latest = session.scalars(
                select(ConversationTurn.id)
                .where(ConversationTurn.user_id == user_id, ConversationTurn.decision == ANSWER)
                .order_by(ConversationTurn.id.desc())
                .limit(1)
            ).first()
            if latest is None:
                return False
            session.execute(
                update(ConversationTurn)
                .where(ConversationTurn.id == latest)
                .values(helpful=helpful)
            )
            return True

    def purge_before(self, cutoff: dt.datetime) -> int:
        """Delete turns recorded before ``cutoff``; how many."""
        with self._session.begin() as session:
            return session.execute(
                delete(ConversationTurn).where(ConversationTurn.created_at < cutoff)
            ).rowcount

    def per_day_and_channel(self, since: dt.datetime) -> list[DayCount]:
        day = func.date(ConversationTurn.created_at)  # text on SQLite, a date on PostgreSQL
        with self._session() as session:
            rows = session.execute(
                select(day, ConversationTurn.channel, func.count())
                .where(ConversationTurn.created_at >= since)
                .group_by(day, ConversationTurn.channel)
                .order_by(day)
            ).all()
        return [DayCount(as_date(d), channel, count) for d, channel, count in rows]

    def top_questions(self, limit: int) -> list[tuple[str, int]]:
        """The most frequent questions (exact masked text, clicked payloads left out)."""
        with self._session() as session:
            rows = session.execute(
                select(ConversationTurn.text, func.count().label("n"))
                .where(~ConversationTurn.text.startswith(PAYLOAD_PREFIX))
                .group_by(ConversationTurn.text)
                .order_by(func.count().desc(), ConversationTurn.text)
                .limit(limit)
            ).all()
        return [(text, count) for text, count in rows]

    def weak_turns(self, low_confidence: float, limit: int) -> list[ConversationTurn]:
        """Questions not answered (clarified or declined), answered with a guess, or answered with
        a confidence below ``low_confidence``, newest first."""
        with self._session() as session:
            return list(
                session.scalars(
                    select(ConversationTurn)
                    .where(
                        ~ConversationTurn.text.startswith(PAYLOAD_PREFIX),
                        or_(
                            ConversationTurn.decision.in_([GUESS, CLARIFY, UNANSWERED]),
                            (ConversationTurn.decision == ANSWER)
                            & (ConversationTurn.confidence < low_confidence),
                        ),
                    )
                    .order_by(ConversationTurn.id.desc())
                    .limit(limit)
                )
            )

    def disliked_answers(self, limit: int) -> list[tuple[str, int, int]]:
        """Entries with negative feedback: (entry, not helpful, helpful), most disliked first."""
        with self._session() as session:
            rows = session.execute(
                select(ConversationTurn.entry_id, ConversationTurn.helpful, func.count())
                .where(
                    ConversationTurn.helpful.is_not(None), ConversationTurn.entry_id.is_not(None)
                )
                .group_by(ConversationTurn.entry_id, ConversationTurn.helpful)
            ).all()
        counts: dict[str, list[int]] = {}
        for entry, helpful, count in rows:
            counts.setdefault(entry, [0, 0])[0 if not helpful else 1] += count
        disliked = [(entry, bad, good) for entry, (bad, good) in counts.items() if bad]
        return sorted(disliked, key=lambda row: (-row[1], row[0]))[:limit]

    def turns_of(self, user_id: str, limit: int) -> list[ConversationTurn]:
        """The user's latest turns, oldest first."""
        with self._session() as session:
            latest = list(
                session.scalars(
                    select(ConversationTurn)
                    .where(ConversationTurn.user_id == user_id)
                    .order_by(ConversationTurn.id.desc())
                    .limit(limit)
                )
            )
        return latest[::-1]

    def all_turns(self, batch: int) -> Iterator[ConversationTurn]:
        """Every turn, oldest first, read in batches (for the CSV export)."""
        last = 0
        while True:
            with self._session() as session:
                rows = list(
                    session.scalars(
                        select(ConversationTurn)
                        .where(ConversationTurn.id > last)
                        .order_by(ConversationTurn.id)
                        .limit(batch)
                    )
                )
            if not rows:
                return
            yield from rows
            last = rows[-1].id


def as_date(value: dt.date | str) -> dt.date:
    """SQLite hands dates back as text."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
