"""The web widget's conversation history: kept in the inbox database, read back by the widget
after a reload or in another tab. Only the exact (random, browser-held) sender id reads it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool

from bot.channels.models import Reply
from bot.channels.widget import (
    SENDER_PATTERN,
    ForeignSenderError,
    HistoryResponse,
    HistoryTurn,
    web_conversation_id,
)
from bot.gateway.errors import ApiError, ErrorResponse
from bot.inbox.store import InboxStore
from bot.settings import Settings, inbox_url


def conversation_id(sender: str) -> str:
    """The gateway's id for a widget sender, or a 422 naming the rule."""
    try:
        return web_conversation_id(sender)
    except ForeignSenderError as exc:
        raise ApiError(
            422,
            "foreign_sender",
            f"Dạ, mã hội thoại không được bắt đầu bằng «{exc}:» (dành cho kênh khác). "
            "Anh/chị vui lòng tải lại trang để bắt đầu hội thoại mới.",
        ) from exc


def inbox(request: Request) -> InboxStore:
    """The inbox store the history router opened for this app."""
    store: InboxStore = request.app.state.inbox
    return store


def build_router(settings: Settings) -> APIRouter:
    """The history route, with a lifespan that opens the inbox database on ``app.state.inbox``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.inbox = await run_in_threadpool(InboxStore, inbox_url(settings))
        yield

    router = APIRouter(prefix="/api/v1", tags=["chat"], lifespan=lifespan)

    @router.get(
        "/history",
        response_model=HistoryResponse,
        responses={status: {"model": ErrorResponse} for status in (422, 500)},
    )
    async def history(
        request: Request,
        sender: Annotated[str, Query(pattern=SENDER_PATTERN, description="The widget's sender")],
    ) -> HistoryResponse:
        """The exchanges the gateway stored for this exact conversation, oldest first."""
        conversation = conversation_id(sender)
        turns = await run_in_threadpool(
            inbox(request).turns, conversation, settings.history_max_turns
        )
        return HistoryResponse(
            sender=conversation,
            turns=[
                HistoryTurn(
                    user=turn.user_text,
                    replies=[Reply.model_validate(r) for r in turn.replies],
                    at=turn.created_at,
                )
                for turn in turns
            ],
        )

    return router
