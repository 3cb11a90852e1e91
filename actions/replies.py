"""Buttons and small replies shared by the actions."""

from __future__ import annotations

import json
from typing import Any

from bot import runtime
from bot.channels.models import HANDOVER_BUTTON
from bot.knowledge.schema import Entry

HUMAN_BUTTON = HANDOVER_BUTTON.model_dump()
FEEDBACK_PROMPT = {
    "text": "Câu trả lời có hữu ích không ạ?",
    "buttons": [
        {"title": "Hữu ích", "payload": "/feedback_good"},
        {"title": "Chưa đúng ý", "payload": "/feedback_bad"},
    ],
}
FOLLOW_UP_TOPICS = {
    "ho_so": "Cần giấy tờ gì?",
    "le_phi": "Lệ phí bao nhiêu?",
    "thoi_han": "Mất bao lâu?",
    "noi_nop": "Nộp ở đâu?",
    "truc_tuyen": "Làm trực tuyến được không?",
}
MAX_CHOICES = 3


def entry_button(title: str, entry_id: str) -> dict[str, str]:
    """A button that answers ``entry_id`` when clicked (``/ask_question{"entry_id": …}``)."""
    return {"title": title, "payload": "/ask_question" + json.dumps({"entry_id": entry_id})}


def follow_up_buttons(procedure: str, answered_topic: str | None) -> list[dict[str, str]]:
    """Other topics of the same procedure, as the next useful step."""
    return [
        entry_button(title, f"{procedure}:{topic}")
        for topic, title in FOLLOW_UP_TOPICS.items()
        if topic != answered_topic
    ][:3]


def search_outcome(decision: str, entry_id: str | None, confidence: float | None) -> dict[str, Any]:
    """What the search decided for a reply (``answer`` / ``clarify`` / ``none``), carried in the
    message's ``custom`` metadata under ``search``: the gateway records it for staff, channels
    never show it."""
    return {"decision": decision, "entry": entry_id, "confidence": confidence}


def answer_message(entry: Entry, confidence: float | None = None) -> dict[str, Any]:
    """The entry's grounded answer, with follow-ups for a procedure and the portal link."""
    buttons = follow_up_buttons(entry.procedure, entry.topic) if entry.procedure else []
    custom = {"link": entry.link, "search": search_outcome("answer", entry.id, confidence)}
    return {"text": entry.answer, "buttons": buttons, "custom": custom}


def procedure_reminder(code: str | None) -> dict[str, Any] | None:
    """A reminder of the procedure the conversation was about, to pick it up again."""
    if not code:
        return None
    procedure = runtime.knowledge().procedures.get(code)
    if procedure is None:
        return None
    return {
        "text": f"Mình đang trao đổi về thủ tục {procedure.name} (mã {code}). Anh/chị hỏi tiếp nhé:",
        "buttons": follow_up_buttons(code, None),
    }
