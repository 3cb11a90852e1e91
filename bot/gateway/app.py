"""The gateway: channels in, one conversation pipeline, Rasa REST out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import structlog
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from bot.gateway.errors import ApiError, handle_api_error, handle_validation_error
from bot.gateway.pipeline import ConversationPipeline
from bot.gateway.rasa_client import RasaClient
from bot.gateway.routes import chat, health, widget
from bot.settings import Settings

log = structlog.get_logger(__name__)


async def announce_when_ready(rasa: RasaClient, url: str) -> None:
    """Log once, clearly, when the whole assistant can be chatted with."""
    while not await rasa.is_ready():
        await asyncio.sleep(1.0)
    log.info("assistant_ready", chat_url=url)


def create_app(settings: Settings) -> FastAPI:
    """Build the gateway application for the given settings."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_s)
        app.state.rasa = rasa
        app.state.pipeline = ConversationPipeline(
            rasa, settings.max_message_chars, settings.portal_link
        )
        url = f"http://{settings.gateway_host}:{settings.gateway_port}/"
        watcher = asyncio.create_task(announce_when_ready(rasa, url))
        yield
        watcher.cancel()
        with suppress(asyncio.CancelledError):
            await watcher
        await rasa.aclose()

    app = FastAPI(title="isee-assistant gateway", version="1", lifespan=lifespan)
    app.state.client_hash_key = settings.privacy_hash_key
    app.add_exception_handler(ApiError, handle_api_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.include_router(chat.router)
    app.include_router(health.router)
    app.include_router(widget.router)
    return app
