"""The web widget's chat endpoint."""

from __future__ import annotations

from fastapi import APIRouter, Request

from bot.channels.senders import is_reserved_sender
from bot.channels.widget import WidgetMessage, WidgetResponse
from bot.gateway.errors import ApiError, ErrorResponse
from bot.gateway.pipeline import ConversationPipeline
from bot.portal.owner import web_client_id

router = APIRouter(prefix="/api/v1", tags=["chat"])


@router.post(
    "/chat",
    response_model=WidgetResponse,
    responses={status: {"model": ErrorResponse} for status in (413, 422, 500, 503)},
)
async def chat(body: WidgetMessage, request: Request) -> WidgetResponse:
    """Send one message of a conversation and get the assistant's replies; one sender's
    messages are answered one at a time, in the order they arrive."""
    if is_reserved_sender(body.sender):
        raise ApiError(
            422,
            "reserved_sender",
            "Dạ, mã cuộc trò chuyện này dành cho kênh Zalo/Messenger. Anh/chị vui lòng tải lại "
            "trang để bắt đầu cuộc trò chuyện mới.",
        )
    pipeline: ConversationPipeline = request.app.state.pipeline
    address = request.client.host if request.client else "unknown"
    client = web_client_id(address, request.app.state.client_hash_key)
    async with request.app.state.sender_locks.hold(body.sender):
        replies = await pipeline.handle(body.sender, body.message, client)
    return WidgetResponse(sender=body.sender, replies=replies)
