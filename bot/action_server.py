"""The rasa-sdk action server app, with a readiness probe next to rasa-sdk's own ``/health``."""

from __future__ import annotations

import asyncio

import structlog
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Request, Sanic, response
from sqlalchemy.exc import SQLAlchemyError

from bot import runtime

log = structlog.get_logger(__name__)


async def ready(_: Request) -> response.HTTPResponse:
    """200 when the inbox database answers (the index is loaded before the server listens)."""
    try:
        await asyncio.to_thread(runtime.inbox().ping)
    except SQLAlchemyError as exc:
        log.warning("inbox_unavailable", error=type(exc).__name__)
        return response.json({"status": "not_ready", "checks": {"inbox": "down"}}, status=503)
    return response.json({"status": "ready", "checks": {"inbox": "up"}})


def create_action_server() -> Sanic:
    """rasa-sdk's app (``/health``, ``/webhook``, ``/actions``) running our actions, plus
    ``/ready``."""
    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=None)
    app.add_route(ready, "/ready", methods=["GET"])
    return app
