"""A staff member's reply to a hand-over request reaches the citizen on the channel they used:
the Zalo/Messenger outbox (the delivery worker sends it) or the web widget's history (the widget
shows it on its next load)."""

from __future__ import annotations

from bot.channels.delivery.send_api import ChannelOutput
from bot.channels.delivery.store import DeliveryStore
from bot.channels.models import Reply
from bot.channels.senders import PREFIXES, WEB, channel_of
from bot.inbox.models import HandoverRequest
from bot.inbox.store import InboxStore

ANSWERED = "answered"
MAX_REPLY_CHARS = 2000


class ReplyNotDeliveredError(Exception):
    """The reply cannot reach the citizen (the message, in Vietnamese, says why)."""


def staff_reply(text: str) -> Reply:
    return Reply(text=f"Dạ, cán bộ hỗ trợ trả lời anh/chị: {text}")


def reply_to_handover(
    request: HandoverRequest,
    text: str,
    inbox: InboxStore,
    delivery: DeliveryStore,
    outputs: dict[str, ChannelOutput],
) -> None:
    """Deliver ``text`` to the citizen of ``request`` and mark the request answered."""
    text = text.strip()
    if not text:
        raise ReplyNotDeliveredError("Nội dung trả lời đang trống.")
    if len(text) > MAX_REPLY_CHARS:
        raise ReplyNotDeliveredError(f"Nội dung trả lời dài quá {MAX_REPLY_CHARS} ký tự.")
    sender = request.conversation_id
    channel = channel_of(sender)
    reply = staff_reply(text)
    if channel == WEB:
        inbox.record_turn(sender, "", [reply.model_dump()])
    elif channel in PREFIXES:
        output = outputs.get(channel)
        if output is None:
            raise ReplyNotDeliveredError(f"Kênh {channel} chưa được cấu hình trên máy chủ này.")
        user_id = sender.removeprefix(PREFIXES[channel])
        delivery.enqueue_reply(channel, user_id, sender, output.render([reply], user_id))
    else:
        raise ReplyNotDeliveredError("Không xác định được kênh của người dân.")
    inbox.mark_handover(request.id, ANSWERED)
