"""``isee privacy purge``: old conversations (in a tracker store written by Rasa itself) and old
inbox entries go, recent ones stay."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, update

from bot.inbox.models import ChatTurn, Feedback, HandoverRequest
from bot.inbox.store import PURGED, InboxStore
from bot.retention import tracker_store
from bot.settings import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
DAY = 86_400.0

WRITE_TRACKERS = """
import asyncio, sys
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=sys.argv[1])
for sender, at in (("old-1", float(sys.argv[2])), ("old-2", float(sys.argv[2])),
                   ("recent", float(sys.argv[3]))):
    events = [UserUttered("4 số cuối là 5678", timestamp=at), SlotSet("last4", "5678", at)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="the Rasa venv is not set up")
def test_purge_removes_old_conversations_and_inbox_entries_and_keeps_recent_ones(
    tmp_path: Path,
) -> None:
    now = dt.datetime.now(dt.UTC)
    tracker_db = tmp_path / "rasa-tracker.db"
    times = [str(now.timestamp() - 100 * DAY), str(now.timestamp() - 2 * DAY)]
    subprocess.run(
        [RASA_PYTHON, "-c", WRITE_TRACKERS, str(tracker_db), *times],
        check=True,
        capture_output=True,
        timeout=300,
    )
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: rasa-tracker.db\n", encoding="utf-8"
    )
    inbox_url = f"sqlite:///{tmp_path / 'inbox.db'}"
    inbox = InboxStore(inbox_url)
    for conversation, age in (("old-1", 100), ("recent", 2)):
        inbox.open_handover(conversation, "hồ sơ 000.00.20.H37-250612-0001 của Nguyễn Văn An", None)
        inbox.record_feedback(conversation, "entry-1", helpful=True)
        _age(inbox_url, conversation, now - dt.timedelta(days=age))
    env = {
        **os.environ,
        "ISEE_INBOX_DB_URL": inbox_url,
        "ISEE_PRIVACY_RETENTION_DAYS": "90",
        "PYTHONPATH": str(REPO_ROOT),
    }
    command = [sys.executable, "-m", "bot.cli", "privacy", "purge", "--endpoints", str(endpoints)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tracker_db) as connection:
        senders = {row[0] for row in connection.execute("SELECT sender_id FROM events")}
    assert senders == {"recent"}
    assert [request.conversation_id for request in inbox.open_handovers()] == ["recent"]
    assert inbox.feedback_summary() == {"entry-1": (2, 0)}
    engine = create_engine(inbox_url)
    with engine.connect() as connection:
        ids = sorted(connection.scalars(select(Feedback.conversation_id)))
    engine.dispose()
    assert ids == [PURGED, "recent"]
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and '"conversations_deleted": 0' in again.stdout


def _age(url: str, conversation: str, at: dt.datetime) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        for table in (HandoverRequest, Feedback):
            connection.execute(
                update(table).where(table.conversation_id == conversation).values(created_at=at)
            )
    engine.dispose()


def test_purge_says_so_when_rasa_keeps_conversations_in_memory(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text('action_endpoint:\n  url: "http://127.0.0.1:5055/webhook"\n')
    env = {
        **os.environ,
        "ISEE_INBOX_DB_URL": f"sqlite:///{tmp_path / 'inbox.db'}",
        "PYTHONPATH": str(REPO_ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "privacy", "purge", "--endpoints", str(endpoints)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "in memory" in done.stdout


def test_tracker_store_is_read_from_endpoints(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: db.internal\n  port: 5432\n"
        "  db: rasa\n  username: rasa\n  password: secret\n",
        encoding="utf-8",
    )
    store = tracker_store(endpoints)
    assert store.url == "postgresql+psycopg://rasa:secret@db.internal:5432/rasa"
    ours = tracker_store(REPO_ROOT / "endpoints.yml")
    assert ours.kind == "sql" and ours.url == f"sqlite:///{REPO_ROOT / '.build/rasa-tracker.db'}"


def test_scale_out_tracker_store_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scale = REPO_ROOT / "endpoints.scale.yml"
    monkeypatch.delenv("ISEE_RASA_TRACKER_URL", raising=False)
    with pytest.raises(ValueError, match="ISEE_RASA_TRACKER_URL"):
        tracker_store(scale)
    monkeypatch.setenv("ISEE_RASA_TRACKER_URL", "postgresql://rasa:secret@db.internal:5432/rasa")
    store = tracker_store(scale)
    assert store.url == "postgresql+psycopg://rasa:secret@db.internal:5432/rasa"


def test_purge_deletes_old_widget_chat_turns_and_keeps_recent_ones(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text('action_endpoint:\n  url: "http://127.0.0.1:5055/webhook"\n')
    inbox_url = f"sqlite:///{tmp_path / 'inbox.db'}"
    inbox = InboxStore(inbox_url)
    now = dt.datetime.now(dt.UTC)
    reply = [
        {"text": "Dạ, hồ sơ của anh Nguyễn Văn An đang được xử lý.", "buttons": [], "link": None}
    ]
    for conversation, age in (("web:old", 100), ("web:old", 91), ("web:recent", 2)):
        turn = inbox.record_turn(conversation, "hồ sơ 000.00.20.H37-250612-0001", reply)
        engine = create_engine(inbox_url)
        with engine.begin() as connection:
            connection.execute(
                update(ChatTurn)
                .where(ChatTurn.id == turn.id)
                .values(created_at=now - dt.timedelta(days=age))
            )
        engine.dispose()
    env = {
        **os.environ,
        "ISEE_INBOX_DB_URL": inbox_url,
        "ISEE_PRIVACY_RETENTION_DAYS": "90",
        "PYTHONPATH": str(REPO_ROOT),
    }
    command = [sys.executable, "-m", "bot.cli", "privacy", "purge", "--endpoints", str(endpoints)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert '"chat_turns_deleted": 2' in done.stdout
    assert inbox.turns("web:old", 10) == []
    assert [turn.replies for turn in inbox.turns("web:recent", 10)] == [reply]
