"""Facebook Messenger: webhook verification, events in, Send API bodies out (formats only)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from bot.channels.models import Reply
from bot.channels.platform import EventKind, IncomingEvent, Rendering, SignatureError, incoming
from bot.channels.senders import MESSENGER
from bot.channels.text import lay_out

SIGNATURE_HEADER = "X-Hub-Signature-256"
TEXT_LIMIT = 2000
QUICK_REPLIES_MAX = 13
QUICK_REPLY_TITLE_MAX = 20


def verify_signature(app_secret: str, body: bytes, header: str | None) -> None:
    """Raise ``SignatureError`` unless ``header`` is ``sha256=`` + HMAC-SHA256(app secret, body)."""
    if not header:
        raise SignatureError(401, "missing_signature")
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), header.strip().encode()):
        raise SignatureError(403, "invalid_signature")


def handshake_challenge(
    verify_token: str, mode: str | None, token: str | None, challenge: str | None
) -> str | None:
    """The challenge to echo when Meta's subscription handshake is ours, else None."""
    if mode != "subscribe" or token is None or challenge is None:
        return None
    if not hmac.compare_digest(verify_token.encode(), token.encode()):
        return None
    return challenge


def parse_events(payload: dict[str, Any]) -> list[IncomingEvent]:
    """The user messages, quick-reply picks and postbacks of a page webhook, in order; echoes,
    deliveries and reads are left out."""
    if payload.get("object") != "page":
        return []
    events: list[IncomingEvent] = []
    for entry in payload.get("entry") or []:
        for item in entry.get("messaging") or []:
            event = _event(item)
            if event is not None:
                events.append(event)
    return events


def _event(item: dict[str, Any]) -> IncomingEvent | None:
    psid = str((item.get("sender") or {}).get("id") or "")
    if not psid:
        return None
    message = item.get("message")
    postback = item.get("postback")
    if isinstance(message, dict) and not message.get("is_echo") and message.get("mid"):
        quick_reply = message.get("quick_reply") or {}
        text = quick_reply.get("payload") or message.get("text") or ""
        kind = EventKind.TEXT if text else EventKind.UNSUPPORTED
        return incoming(MESSENGER, str(message["mid"]), psid, kind, text)
    if isinstance(postback, dict) and postback.get("payload"):
        key = postback.get("mid") or f"postback:{psid}:{item.get('timestamp')}"
        return incoming(MESSENGER, str(key), psid, EventKind.TEXT, str(postback["payload"]))
    return None


def typing_body(psid: str) -> dict[str, Any]:
    return {"recipient": {"id": psid}, "sender_action": "typing_on"}


def render(replies: list[Reply], psid: str) -> Rendering:
    """Send API bodies for one turn: each text in ≤ 2,000-character pieces, the turn's choices as
    quick replies on the last message, or as a numbered list when they do not fit."""
    turn = lay_out(
        replies,
        TEXT_LIMIT,
        lambda buttons: (
            len(buttons) <= QUICK_REPLIES_MAX
            and all(len(button.title) <= QUICK_REPLY_TITLE_MAX for button in buttons)
        ),
    )
    bodies: list[dict[str, Any]] = [
        {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": {"text": piece}}
        for piece in turn.pieces
    ]
    if turn.buttons:
        bodies[-1]["message"]["quick_replies"] = [
            {"content_type": "text", "title": button.title, "payload": button.payload}
            for button in turn.buttons
        ]
    return Rendering(bodies=bodies, choices=turn.choices)
