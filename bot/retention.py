"""Retention of personal data: conversations (Rasa's tracker store, the widget's chat turns, the
conversation store) and inbox entries older than ``ISEE_PRIVACY_RETENTION_DAYS`` are deleted or
anonymised by ``isee privacy purge``."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from sqlalchemy import URL, MetaData, Table, create_engine, func, select
from sqlalchemy.exc import NoSuchTableError

from bot.channels.delivery.store import DeliveryStore
from bot.inbox.conversations import ConversationStore
from bot.inbox.store import InboxStore

POSTGRES_DRIVER = "postgresql+psycopg"
"""The PostgreSQL driver this project installs (psycopg 3)."""
TRACKER_EVENTS_TABLE = "events"
"""The table of Rasa's SQL tracker store: one row per event (sender_id, timestamp, data…)."""


class TrackerStoreInfo(BaseModel):
    """Where Rasa persists conversations, as ``endpoints.yml`` configures it."""

    kind: str
    url: str | None = None


class PurgeReport(BaseModel):
    """What a purge removed."""

    cutoff: dt.datetime
    handovers_deleted: int
    chat_turns_deleted: int
    conversation_turns_deleted: int
    feedback_anonymised: int
    tracker_store: str
    conversations_deleted: int
    channel_messages_deleted: int


def tracker_store(endpoints: Path) -> TrackerStoreInfo:
    """The tracker store configured in ``endpoints`` (Rasa's default is in memory)."""
    config = (yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}).get("tracker_store")
    if not config:
        return TrackerStoreInfo(kind="in_memory")
    config = {key: _environment_expanded(value) for key, value in config.items()}
    kind = str(config.get("type", "in_memory")).lower()
    if kind != "sql":
        return TrackerStoreInfo(kind=kind)
    host = config.get("url")
    if isinstance(host, str) and "://" in host:
        # A full database URL in `url`, as Rasa accepts it (endpoints.scale.yml).
        scheme, rest = host.split("://", 1)
        driver = POSTGRES_DRIVER if scheme in {"postgresql", "postgres"} else scheme
        return TrackerStoreInfo(kind="sql", url=f"{driver}://{rest}")
    dialect = str(config.get("dialect", "sqlite"))
    database = config.get("db")
    if dialect == "sqlite" and database and not Path(database).is_absolute():
        # Rasa opens it relative to its working directory: the repository root, next to the file.
        database = str(endpoints.resolve().parent / database)
    url = URL.create(
        drivername=POSTGRES_DRIVER if dialect in {"postgresql", "postgres"} else dialect,
        username=config.get("username"),
        password=config.get("password"),
        host=config.get("url"),
        port=config.get("port"),
        database=database,
    )
    return TrackerStoreInfo(kind="sql", url=url.render_as_string(hide_password=False))


def _environment_expanded(value: Any) -> Any:
    """A value with its ``${NAME}`` environment variables filled in, as Rasa reads endpoints."""
    if not isinstance(value, str):
        return value
    expanded = os.path.expandvars(value)
    if "${" in expanded:
        raise ValueError(f"{value!r} names an unset environment variable")
    return expanded


def purge_trackers(url: str, cutoff: dt.datetime) -> int:
    """Delete every conversation whose last event is older than ``cutoff``; how many."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return 0
    engine = create_engine(url)
    try:
        try:
            events = Table(TRACKER_EVENTS_TABLE, MetaData(), autoload_with=engine)
        except NoSuchTableError:
            return 0
        stale = (
            select(events.c.sender_id)
            .group_by(events.c.sender_id)
            .having(func.max(events.c.timestamp) < cutoff.timestamp())
        )
        with engine.begin() as connection:
            senders = list(connection.scalars(stale))
            for start in range(0, len(senders), 500):
                batch = senders[start : start + 500]
                connection.execute(events.delete().where(events.c.sender_id.in_(batch)))
        return len(senders)
    finally:
        engine.dispose()


def purge(
    inbox: InboxStore,
    endpoints: Path,
    retention_days: int,
    now: dt.datetime,
    channels: DeliveryStore | None = None,
    turn_store: ConversationStore | None = None,
) -> PurgeReport:
    """Delete or anonymise everything older than ``retention_days`` before ``now`` (and the
    finished Zalo/Messenger messages of ``channels`` and the recorded turns of
    ``turn_store``, when given)."""
    store = tracker_store(endpoints)  # first: a broken endpoints file purges nothing
    cutoff = now - dt.timedelta(days=retention_days)
    handovers, feedback = inbox.purge_before(cutoff)
    turns = inbox.purge_turns_before(cutoff)
    conversations = purge_trackers(store.url, cutoff) if store.url else 0
    return PurgeReport(
        cutoff=cutoff,
        handovers_deleted=handovers,
        chat_turns_deleted=turns,
        conversation_turns_deleted=turn_store.purge_before(cutoff) if turn_store else 0,
        feedback_anonymised=feedback,
        tracker_store=store.kind,
        conversations_deleted=conversations,
        channel_messages_deleted=channels.purge_before(cutoff) if channels else 0,
    )
