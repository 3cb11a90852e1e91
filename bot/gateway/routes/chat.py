"""The web widget's chat endpoint."""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import SQLAlchemyError

from bot.channels.widget import WidgetMessage, WidgetResponse
from bot.gateway.errors import ErrorResponse
from bot.gateway.pipeline import ConversationPipeline
from bot.gateway.routes.history import conversation_id, inbox
from bot.portal.owner import web_client_id

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/api/v1", tags=["chat"])


@router.post(
    "/chat",
    response_model=WidgetResponse,
    responses={status: {"model": ErrorResponse} for status in (413, 422, 429, 500, 503)},
)
async def chat(body: WidgetMessage, request: Request) -> WidgetResponse:
    """Send one message of a conversation and get the assistant's replies. The conversation id
    is the gateway's: ``web:`` + the widget's sender (another channel's prefix is refused); one
    sender's messages are answered one at a time, in the order they arrive."""
    sender = conversation_id(body.sender)
    pipeline: ConversationPipeline = request.app.state.pipeline
    address = request.client.host if request.client else "unknown"
    client = web_client_id(address, request.app.state.client_hash_key)
    async with request.app.state.sender_locks.hold(sender):
        replies = await pipeline.handle(sender, body.message, client)
    try:
        await run_in_threadpool(
            inbox(request).record_turn,
            sender,
            body.shown or body.message,
            [reply.model_dump() for reply in replies],
        )
    except SQLAlchemyError as exc:  # the answer matters more than its copy in the history
        log.warning("history_not_saved", sender=sender, error=type(exc).__name__)
    return WidgetResponse(sender=sender, replies=replies)
