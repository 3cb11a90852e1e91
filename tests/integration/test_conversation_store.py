"""The conversation store on a real SQLite database: what a turn keeps, feedback, retention."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.channels.models import Reply
from bot.inbox.conversations import ConversationStore
from bot.inbox.recorder import TurnRecorder
from bot.inbox.store import InboxStore
from bot.retention import purge

KEY = "test-key"


def answer(entry: str, confidence: float) -> Reply:
    custom = {"search": {"decision": "answer", "entry": entry, "confidence": confidence}}
    return Reply.from_rasa({"text": "Dạ…", "custom": custom})


def test_turns_are_anonymous_and_feedback_lands_on_the_answer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'inbox.db'}"
    store = ConversationStore(url)
    record = TurnRecorder(store, KEY)
    record("zalo:123456", "cmnd 123456789 mất làm lại", [answer("faq:cmnd", 0.4)], 120)
    record("fb:999", "xin chào", [Reply(text="Dạ, em chào anh/chị")], 30)
    record("zalo:123456", "/feedback_bad", [Reply(text="Dạ, em xin lỗi…")], 10)
    turns = list(store.all_turns(10))
    assert [(t.channel, t.decision) for t in turns] == [
        ("zalo", "answer"),
        ("messenger", "other"),
        ("zalo", "other"),
    ]
    first = turns[0]
    assert first.text == "cmnd [số giấy tờ] mất làm lại"
    assert "123456" not in first.user_id and first.user_id == turns[2].user_id
    assert (first.entry_id, first.confidence, first.latency_ms) == ("faq:cmnd", 0.4, 120)
    assert first.helpful is False
    assert store.disliked_answers(5) == [("faq:cmnd", 1, 0)]
    assert [t.text for t in store.weak_turns(0.6, 10)] == ["cmnd [số giấy tờ] mất làm lại"]
    assert store.top_questions(5) == [("cmnd [số giấy tờ] mất làm lại", 1), ("xin chào", 1)]


def test_a_guess_is_a_weak_turn_for_staff_whatever_its_confidence(tmp_path: Path) -> None:
    store = ConversationStore(f"sqlite:///{tmp_path / 'inbox.db'}")
    record = TurnRecorder(store, KEY)
    guess = {"search": {"decision": "guess", "entry": "1.000894:ho_so", "confidence": 0.9}}
    record("web:a", "giấy tờ cưới", [Reply.from_rasa({"text": "Dạ…", "custom": guess})], 40)
    record("web:b", "đăng ký kết hôn", [answer("1.000894:tong_quan", 0.9)], 40)
    assert [(t.text, t.decision) for t in store.weak_turns(0.6, 10)] == [("giấy tờ cưới", "guess")]


def test_the_privacy_purge_deletes_old_turns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'inbox.db'}"
    store = ConversationStore(url)
    TurnRecorder(store, KEY)("web:a", "hỏi", [], 5)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://127.0.0.1:5055/webhook\n")
    now = dt.datetime.now(dt.UTC)
    kept = purge(InboxStore(url), endpoints, 90, now, turn_store=store)
    assert kept.conversation_turns_deleted == 0
    later = now + dt.timedelta(days=91)
    report = purge(InboxStore(url), endpoints, 90, later, turn_store=store)
    assert report.conversation_turns_deleted == 1 and list(store.all_turns(10)) == []
