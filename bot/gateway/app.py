"""The gateway: channels in, one conversation pipeline, Rasa REST out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import structlog
from fastapi import Depends, FastAPI

from bot.gateway.body_limit import BodyLimitMiddleware
from bot.gateway.channels import build_channels
from bot.gateway.errors import install_error_handlers
from bot.gateway.metrics import install_metrics
from bot.gateway.pipeline import ConversationPipeline
from bot.gateway.probes import ReadinessChecker, default_probes
from bot.gateway.rasa_client import RasaClient
from bot.gateway.rate_limit import RateLimits, limit_web_chat
from bot.gateway.request_guard import RequestGuardMiddleware
from bot.gateway.routes import chat, console, health, history, webhooks, widget
from bot.gateway.sender_locks import SenderLocks
from bot.settings import Settings, get_settings, rasa_targets

log = structlog.get_logger(__name__)


async def announce_when_ready(readiness: ReadinessChecker, url: str) -> None:
    """Log once, clearly, when the whole assistant can be chatted with."""
    while (await readiness.check()).status == "not_ready":
        await asyncio.sleep(1.0)
    log.info("assistant_ready", chat_url=url)


def create_app(settings: Settings) -> FastAPI:
    """Build the gateway application for the given settings."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rasa = RasaClient(
            rasa_targets(settings), settings.action_budget_s, settings.probe_timeout_s
        )
        readiness = ReadinessChecker(default_probes(settings), settings.probe_timeout_s)
        app.state.readiness = readiness
        app.state.pipeline = ConversationPipeline(
            rasa, settings.max_message_chars, settings.portal_link
        )
        app.state.rate_limits = RateLimits.from_settings(settings)
        app.state.channels = build_channels(settings, app.state.pipeline, app.state.rate_limits)
        url = f"http://{settings.gateway_host}:{settings.gateway_port}/"
        watcher = asyncio.create_task(announce_when_ready(readiness, url))
        yield
        watcher.cancel()
        with suppress(asyncio.CancelledError):
            await watcher
        await app.state.channels.aclose()
        await rasa.aclose()
        await readiness.aclose()
        await app.state.rate_limits.aclose()

    app = FastAPI(title="isee-assistant gateway", version="1", lifespan=lifespan)
    app.state.client_hash_key = settings.privacy_hash_key
    app.state.sender_locks = SenderLocks()
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    install_metrics(app)
    app.add_middleware(RequestGuardMiddleware)  # added last: wraps everything above
    install_error_handlers(app)
    app.include_router(chat.router, dependencies=[Depends(limit_web_chat)])
    app.include_router(history.build_router(settings))
    app.include_router(console.build_router(settings))  # after history: uses its inbox
    app.include_router(health.router)
    app.include_router(widget.router)
    app.include_router(webhooks.router)
    return app


def create_app_from_settings() -> FastAPI:
    """The gateway for the process-wide settings: the factory ``isee serve gateway`` hands to
    uvicorn by import string."""
    return create_app(get_settings())
