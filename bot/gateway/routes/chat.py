"""The web widget's chat endpoint."""

from __future__ import annotations

from fastapi import APIRouter, Request

from bot.channels.widget import WidgetMessage, WidgetResponse
from bot.gateway.errors import ErrorResponse
from bot.gateway.pipeline import ConversationPipeline
from bot.portal.owner import web_client_id

router = APIRouter(prefix="/api/v1", tags=["chat"])


@router.post(
    "/chat",
    response_model=WidgetResponse,
    responses={status: {"model": ErrorResponse} for status in (413, 422, 500, 503)},
)
async def chat(body: WidgetMessage, request: Request) -> WidgetResponse:
    """Send one message of a conversation and get the assistant's replies."""
    pipeline: ConversationPipeline = request.app.state.pipeline
    address = request.client.host if request.client else "unknown"
    client = web_client_id(address, request.app.state.client_hash_key)
    replies = await pipeline.handle(body.sender, body.message, client)
    return WidgetResponse(sender=body.sender, replies=replies)
