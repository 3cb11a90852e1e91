"""Zalo Official Account: webhook verification, events in, customer-service message bodies out
(formats only)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from bot.channels.models import Reply
from bot.channels.platform import EventKind, IncomingEvent, Rendering, SignatureError, incoming
from bot.channels.senders import ZALO
from bot.channels.text import lay_out

SIGNATURE_HEADER = "X-ZEvent-Signature"
TEXT_LIMIT = 2000
BUTTONS_MAX = 5
BUTTON_TITLE_MAX = 100
BUTTON_PAYLOAD_MAX = 1000
UNSUPPORTED_EVENTS = frozenset(
    {
        "user_send_image",
        "user_send_gif",
        "user_send_sticker",
        "user_send_file",
        "user_send_audio",
        "user_send_video",
        "user_send_link",
        "user_send_location",
        "user_send_business_card",
    }
)


def verify_signature(
    app_id: str, oa_secret: str, body: bytes, header: str | None, now_ms: int, max_age_s: float
) -> dict[str, Any]:
    """The event, once ``header`` is ``mac=`` + SHA-256 hex of (app id + raw body + timestamp +
    OA secret key) and the event's timestamp is within ``max_age_s`` of now; else
    ``SignatureError`` (401 missing, 403 invalid or stale)."""
    if not header:
        raise SignatureError(401, "missing_signature")
    try:
        event = json.loads(body)
        timestamp = str(event["timestamp"])
        sent_ms = int(timestamp)
    except (ValueError, KeyError, TypeError) as exc:
        raise SignatureError(403, "invalid_signature") from exc
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret.encode())
    expected = "mac=" + digest.hexdigest()
    if not hmac.compare_digest(expected.encode(), header.strip().encode()):
        raise SignatureError(403, "invalid_signature")
    if abs(now_ms - sent_ms) > max_age_s * 1000:
        raise SignatureError(403, "stale_signature")
    return event


def parse_event(event: dict[str, Any]) -> IncomingEvent | None:
    """The user event of a verified webhook, or None for events nobody answers (unfollow, seen,
    the OA's own messages…)."""
    name = str(event.get("event_name") or "")
    if name == "follow":
        user_id = str((event.get("follower") or {}).get("id") or "")
        key = f"follow:{user_id}:{event.get('timestamp')}"
        return incoming(ZALO, key, user_id, EventKind.FOLLOW, "") if user_id else None
    if name == "user_send_text" or name in UNSUPPORTED_EVENTS:
        user_id = str((event.get("sender") or {}).get("id") or "")
        message = event.get("message") or {}
        message_id = str(message.get("msg_id") or "")
        if not user_id or not message_id:
            return None
        text = str(message.get("text") or "")
        if name == "user_send_text" and text:
            return incoming(ZALO, message_id, user_id, EventKind.TEXT, text)
        return incoming(ZALO, message_id, user_id, EventKind.UNSUPPORTED, "")
    return None


def render(replies: list[Reply], user_id: str) -> Rendering:
    """Customer-service message bodies for one turn: texts in ≤ 2,000-character pieces; the turn's
    choices as template buttons (``oa.query.show``: a click sends the payload back as the user's
    text) on the last message, or as a numbered list when they do not fit."""
    turn = lay_out(
        replies,
        TEXT_LIMIT,
        lambda buttons: (
            len(buttons) <= BUTTONS_MAX
            and all(
                len(b.title) <= BUTTON_TITLE_MAX and len(b.payload) <= BUTTON_PAYLOAD_MAX
                for b in buttons
            )
        ),
    )
    bodies: list[dict[str, Any]] = [
        {"recipient": {"user_id": user_id}, "message": {"text": piece}} for piece in turn.pieces
    ]
    if turn.buttons:
        bodies[-1]["message"]["attachment"] = {
            "type": "template",
            "payload": {
                "buttons": [
                    {"title": b.title, "payload": b.payload, "type": "oa.query.show"}
                    for b in turn.buttons
                ]
            },
        }
    return Rendering(bodies=bodies, choices=turn.choices)
