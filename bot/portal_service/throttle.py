"""Atomic fixed-window counters: one row per key, changed only by single UPDATE … RETURNING.

A slot is *reserved* before the work it limits (an owner check, a new dossier lookup) and given
back when that work turns out not to count (a right answer, a duplicate). The reservation is one
conditional UPDATE, so concurrent requests cannot all pass a "still under the limit" test: on
PostgreSQL the UPDATE takes the row lock and re-evaluates its WHERE clause on the committed row,
on SQLite writers are serialised. Each statement commits at once, so no lock is held while the
request does anything else.
"""

from __future__ import annotations

import math

from sqlalchemy import case, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.portal_service.tables import ThrottleCounter


def insert_ignoring_duplicates(session: Session, table: type, **values: object) -> int:
    """INSERT … ON CONFLICT DO NOTHING; the number of rows inserted (0 or 1)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values).on_conflict_do_nothing()
    return session.execute(statement).rowcount  # type: ignore[attr-defined]


def reserve(session: Session, key: str, limit: int, window_s: int, now_s: float) -> int | None:
    """Take one slot of ``key``'s current window; None when the window's ``limit`` slots are
    taken. Returns the number of slots taken in this window, this one included."""
    insert_ignoring_duplicates(session, ThrottleCounter, key=key, count=0, window_started_s=now_s)
    expired = ThrottleCounter.window_started_s <= now_s - window_s
    statement = (
        update(ThrottleCounter)
        .where(ThrottleCounter.key == key, or_(expired, ThrottleCounter.count < limit))
        .values(
            count=case((expired, 1), else_=ThrottleCounter.count + 1),
            window_started_s=case((expired, now_s), else_=ThrottleCounter.window_started_s),
        )
        .returning(ThrottleCounter.count)
    )
    taken = session.execute(statement).scalar_one_or_none()
    session.commit()
    return taken


def give_back(session: Session, key: str) -> None:
    """Return a reserved slot that turned out not to count."""
    session.execute(
        update(ThrottleCounter)
        .where(ThrottleCounter.key == key, ThrottleCounter.count > 0)
        .values(count=ThrottleCounter.count - 1)
    )
    session.commit()


def retry_after_s(session: Session, key: str, window_s: int, now_s: float) -> int:
    """Seconds until ``key``'s current window ends (at least 1)."""
    started = session.get(ThrottleCounter, key, populate_existing=True)
    if started is None:
        return 1
    return max(math.ceil(started.window_started_s + window_s - now_s), 1)
